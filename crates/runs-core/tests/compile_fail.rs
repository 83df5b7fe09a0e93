//! A builder missing a required field does not compile, and the error names the field.

#[test]
fn missing_required_fields_are_compile_errors() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
