//! Closed sets of named options (a flag's or a setting's values), described
//! once beside the type so that a front end (the CLI) can list and parse them
//! without the library depending on it.

/// A type with a fixed list of named values.
pub trait Choice: Copy + Send + Sync + 'static {
    /// Every value, in the order a front end lists them.
    const ALL: &'static [Self];
    /// The value's name as typed by a user (kebab-case).
    fn name(self) -> &'static str;
    /// One line saying what the value means.
    fn help(self) -> &'static str;
    /// The value named `name`, if any.
    fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|c| c.name() == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, Copy, PartialEq)]
    enum Fruit {
        Apple,
        Pear,
    }
    impl Choice for Fruit {
        const ALL: &'static [Self] = &[Fruit::Apple, Fruit::Pear];
        fn name(self) -> &'static str {
            match self {
                Fruit::Apple => "apple",
                Fruit::Pear => "pear",
            }
        }
        fn help(self) -> &'static str {
            "a fruit"
        }
    }

    #[test]
    fn names_round_trip() {
        for f in Fruit::ALL {
            assert_eq!(Fruit::from_name(f.name()), Some(*f));
        }
        assert_eq!(Fruit::from_name("plum"), None);
    }
}
