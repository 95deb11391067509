//! hello-rust: the smallest Rust std program of MenuOS.  Prints one line and exits 0.
fn main() {
    println!("Hello, MenuOS!");
}
