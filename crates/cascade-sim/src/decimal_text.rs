//! Decimals written as text into `events.csv`, the table a crash writes by the thousand rows a tick: the text of
//! `Decimal`'s `Display` (and of its `serde` string), formatted from the mantissa by `itoa` rather than by
//! `rust_decimal`'s division of its 96-bit mantissa digit by digit, which took two fifths of writing the table (this
//! takes a third of its instructions).

use rust_decimal::Decimal;
use serde::Serializer;

/// Longest text: a sign, 29 digits (2^96 has 29), a decimal point and the leading zero of a value below one.
const MAX_LEN: usize = 32;

/// Zeros to pad a fraction with: at most the largest scale, 28.
const ZEROS: &[u8; 28] = b"0000000000000000000000000000";

/// `value` as `Decimal` displays it: the mantissa's digits, zeros before them up to one more than the scale, the
/// point before the last `scale` of them, and a minus sign for a negative value (a negative zero too).
fn text(value: &Decimal, out: &mut [u8; MAX_LEN]) -> usize {
    let mut buffer = itoa::Buffer::new();
    let digits = match value.mantissa().unsigned_abs() {
        0 => "",
        m => match u64::try_from(m) {
            Ok(small) => buffer.format(small),
            Err(_) => buffer.format(m),
        },
    }
    .as_bytes();
    let scale = value.scale() as usize;
    let mut len = usize::from(value.is_sign_negative());
    out[0] = b'-';
    let mut put = |bytes: &[u8]| {
        out[len..len + bytes.len()].copy_from_slice(bytes);
        len += bytes.len();
    };
    let (whole, fraction) = digits.split_at(digits.len().saturating_sub(scale));
    put(if whole.is_empty() { b"0" } else { whole });
    if scale > 0 {
        put(b".");
        put(&ZEROS[..scale - fraction.len()]);
        put(fraction);
    }
    len
}

/// Serializes `value` as its text (for `#[serde(serialize_with)]`).
pub fn serialize<S: Serializer>(value: &Decimal, serializer: S) -> Result<S::Ok, S::Error> {
    let mut out = [0; MAX_LEN];
    let len = text(value, &mut out);
    // Only ASCII digits, a sign and a point were written.
    serializer.serialize_str(std::str::from_utf8(&out[..len]).unwrap_or_default())
}

/// Serializes `value` as its text, or as none (an empty field) when absent.
pub fn serialize_option<S: Serializer>(value: &Option<Decimal>, serializer: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(value) => serialize(value, serializer),
        None => serializer.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::Strategy;
    use rust_decimal::dec;

    fn shown(value: Decimal) -> String {
        let mut out = [0; MAX_LEN];
        let len = text(&value, &mut out);
        String::from_utf8(out[..len].to_vec()).unwrap()
    }

    fn negative_zero() -> Decimal {
        let mut zero = dec!(0.00);
        zero.set_sign_negative(true);
        zero
    }

    #[test]
    fn writes_what_display_writes() {
        for (value, expected) in [
            (dec!(0), "0"),
            (dec!(0.00), "0.00"),
            (negative_zero(), "-0.00"),
            (dec!(5), "5"),
            (dec!(0.05), "0.05"),
            (dec!(-9053.5425), "-9053.5425"),
            (dec!(120.00), "120.00"),
            (Decimal::MAX, "79228162514264337593543950335"),
            (Decimal::MIN, "-79228162514264337593543950335"),
            (Decimal::from_i128_with_scale(1, 28), "0.0000000000000000000000000001"),
        ] {
            assert_eq!(shown(value), expected);
            assert_eq!(value.to_string(), expected, "the reference");
        }
    }

    proptest::proptest! {
        /// Every mantissa (both sides of `u64`) at every scale, either sign: `Display`'s text, byte for byte.
        #[test]
        fn is_display(
            mantissa in proptest::prop_oneof![proptest::num::i64::ANY.prop_map(i128::from), proptest::num::i128::ANY],
            scale in 0u32..29,
            negative_zero in proptest::bool::ANY,
        ) {
            let mut value = Decimal::from_i128_with_scale(mantissa % (1i128 << 96), scale);
            if value.is_zero() && negative_zero {
                value.set_sign_negative(true);
            }
            proptest::prop_assert_eq!(shown(value), value.to_string());
        }
    }
}
