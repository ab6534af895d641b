//! Error-bar geometry (data → segments) and that charts draw them.

use super::*;
use crate::pdf::{Doc, BLACK};

/// An axis 0..100 and a plot area whose page coordinates are 10 + value
/// (x) and 20 + value (y).
fn setup() -> (Axis, Axis, Frame) {
    let ax = Axis { min: 0.0, max: 100.0, step: 20.0, label: "x".into() };
    (ax.clone(), ax, Frame { x: 10.0, y: 20.0, w: 100.0, h: 100.0 })
}

#[test]
fn vertical_and_horizontal_bars_with_caps() {
    let (x, y, p) = setup();
    let c = CAP / 2.0;
    // A throughput interval: a vertical bar at the point's x, caps across it.
    let v = error_bar_segments(&x, &y, p, 50.0, 60.0, ErrorBars { x: None, y: Some((55.0, 70.0)) });
    assert_eq!(v, vec![((60.0, 75.0), (60.0, 90.0)), ((60.0 - c, 75.0), (60.0 + c, 75.0)), ((60.0 - c, 90.0), (60.0 + c, 90.0))]);
    // A latency interval: a horizontal bar at the point's height, caps up and down.
    let h = error_bar_segments(&x, &y, p, 50.0, 60.0, ErrorBars { x: Some((45.0, 52.0)), y: None });
    assert_eq!(h, vec![((55.0, 80.0), (62.0, 80.0)), ((55.0, 80.0 - c), (55.0, 80.0 + c)), ((62.0, 80.0 - c), (62.0, 80.0 + c))]);
    // Both: six segments; the bars cross at the point.
    let both = error_bar_segments(&x, &y, p, 50.0, 60.0, ErrorBars { x: Some((45.0, 52.0)), y: Some((55.0, 70.0)) });
    assert_eq!(both.len(), 6);
    assert!(both.iter().any(|s| s.0 .1 == 80.0 && s.1 .1 == 80.0 && s.0 .0 < 60.0 && s.1 .0 > 60.0));
    // Bounds given the other way round are the same interval.
    assert_eq!(error_bar_segments(&x, &y, p, 50.0, 60.0, ErrorBars { x: None, y: Some((70.0, 55.0)) }), v);
}

#[test]
fn no_interval_no_bar() {
    let (x, y, p) = setup();
    assert!(error_bar_segments(&x, &y, p, 50.0, 60.0, ErrorBars::default()).is_empty());
    // Non-finite, wholly outside the axis, or narrower than half a point: omitted.
    for iv in [(f64::NAN, 1.0), (10.0, f64::INFINITY), (120.0, 130.0), (-9.0, -1.0), (60.0, 60.2)] {
        assert!(error_bar_segments(&x, &y, p, 50.0, 60.0, ErrorBars { x: Some(iv), y: Some(iv) }).is_empty(), "{iv:?}");
    }
}

#[test]
fn bars_are_cut_at_the_axes_without_a_cap_there() {
    let (x, y, p) = setup();
    let c = CAP / 2.0;
    let v = error_bar_segments(&x, &y, p, 50.0, 95.0, ErrorBars { x: None, y: Some((90.0, 130.0)) });
    assert_eq!(v, vec![((60.0, 110.0), (60.0, 120.0)), ((60.0 - c, 110.0), (60.0 + c, 110.0))], "the top is cut at 100: no cap there");
    let h = error_bar_segments(&x, &y, p, 2.0, 50.0, ErrorBars { x: Some((-5.0, 4.0)), y: None });
    assert_eq!(h, vec![((10.0, 70.0), (14.0, 70.0)), ((14.0, 70.0 - c), (14.0, 70.0 + c))]);
}

#[test]
fn charts_draw_the_bars_they_are_given() {
    let (x, y, _) = setup();
    let f = Frame { x: 36.0, y: 36.0, w: 300.0, h: 200.0 };
    let series = |errors: Vec<ErrorBars>| vec![Series { color: BLACK, shape: Shape::Circle, points: vec![(20.0, 30.0, true), (40.0, 60.0, true)], width: 1.0, errors }];
    let lines = |s: &[Series]| {
        let mut d = Doc::new("t").unwrap();
        let i = d.add_page();
        xy_chart(d.page(i), f, "t", &x, &y, s, &[]);
        d.page(i).lines_drawn()
    };
    let plain = lines(&series(vec![]));
    let e = ErrorBars { x: Some((15.0, 25.0)), y: Some((25.0, 35.0)) };
    assert_eq!(lines(&series(vec![e, ErrorBars::default()])), plain + 6, "one point with both bars and four caps");
    assert_eq!(lines(&series(vec![e, e])), plain + 12);

    // Category charts: a vertical bar with two caps per value that has an interval.
    let cat = |errors: Vec<Option<(f64, f64)>>| {
        let mut d = Doc::new("t").unwrap();
        let i = d.add_page();
        let l = LineSeries { color: BLACK, shape: Shape::Circle, values: vec![Some(30.0), None, Some(60.0)], dash: None, errors };
        category_chart(d.page(i), f, "t", &["1".into(), "2".into(), "4".into()], "c", &y, &[], std::slice::from_ref(&l), None);
        d.page(i).lines_drawn()
    };
    let plain = cat(vec![]);
    assert_eq!(cat(vec![Some((25.0, 35.0)), Some((1.0, 2.0)), None]), plain + 3, "the value without a point gets no bar");
}

#[test]
fn bar_charts_draw_whiskers_about_the_bar_tops() {
    let (_, y, _) = setup();
    let f = Frame { x: 36.0, y: 36.0, w: 300.0, h: 200.0 };
    let lines = |errors: Vec<Option<(f64, f64)>>| {
        let mut d = Doc::new("t").unwrap();
        let i = d.add_page();
        let b = BarSeries { color: BLACK, values: vec![Some(30.0), Some(50.0), None], errors };
        category_chart(d.page(i), f, "t", &["1".into(), "2".into(), "4".into()], "c", &y, std::slice::from_ref(&b), &[], None);
        d.page(i).lines_drawn()
    };
    let plain = lines(vec![]);
    assert_eq!(lines(vec![Some((28.0, 33.0)), None, Some((1.0, 2.0))]), plain + 3, "one bar with an interval; none where there is no bar");
}
