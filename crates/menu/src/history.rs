//! The command history of the line editor (up/down arrows).

/// Past lines, oldest first, at most `capacity` of them.
#[derive(Debug, Clone)]
pub struct History {
    entries: Vec<String>,
    capacity: usize,
}

impl Default for History {
    fn default() -> Self {
        History::new(100)
    }
}

impl History {
    /// An empty history keeping at most `capacity` lines (at least 1).
    pub fn new(capacity: usize) -> History {
        History {
            entries: Vec::new(),
            capacity: capacity.max(1),
        }
    }

    /// Remembers `line`, unless it is blank or the same as the last one.  Drops the oldest
    /// line when full.  Returns whether it was added.
    pub fn add(&mut self, line: &str) -> bool {
        if line.trim().is_empty() || self.entries.last().map(String::as_str) == Some(line) {
            return false;
        }
        if self.entries.len() == self.capacity {
            self.entries.remove(0);
        }
        self.entries.push(line.to_string());
        true
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The line at `index` (0 is the oldest).
    pub fn get(&self, index: usize) -> Option<&str> {
        self.entries.get(index).map(String::as_str)
    }

    /// All lines, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn add_skips_blank_and_repeats() {
        let mut h = History::new(10);
        assert!(h.is_empty());
        assert!(h.add("help"));
        assert!(!h.add("help"));
        assert!(!h.add(""));
        assert!(!h.add("   "));
        assert!(h.add("ps"));
        assert!(h.add("help"));
        assert_eq!(h.iter().collect::<Vec<_>>(), ["help", "ps", "help"]);
        assert_eq!(h.get(1), Some("ps"));
        assert_eq!(h.get(3), None);
    }

    #[test]
    fn capacity_drops_oldest() {
        let mut h = History::new(2);
        h.add("a");
        h.add("b");
        h.add("c");
        assert_eq!(h.len(), 2);
        assert_eq!(h.iter().collect::<Vec<_>>(), ["b", "c"]);
        assert_eq!(History::new(0).capacity, 1);
    }
}
