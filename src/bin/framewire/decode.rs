//! `framewire decode`: a SAC, VCBN or imgpack file into `.npy` arrays.
//!
//! - SAC: `a.npy` and `b.npy`, `'<i2'`, shape `(height, width)` when
//!   `width*height != 0`, else 1-D.
//! - VCBN: `data.npy`, `'|u1'` or `'<u2'` (a big-endian blob is converted),
//!   shape `(H, W)`; with `--dequantize` also `values.npy`, `'<f4'`. A blob
//!   the header marks `"order": "F"` is column-major: it is written as is,
//!   with `fortran_order: True` in the `.npy` header, so the array NumPy loads
//!   is the same `(H, W)` array the frame describes.
//! - imgpack: `data.npy`, shape `(H, W)`, in the machine's byte order (a
//!   blob in the other order is converted): the levels as `u1`, `u2` or `u4`,
//!   the smallest that holds `bits` for `packed` and the container type for
//!   `uint8/16/32` (as imgpack's own decoder returns them); the values as
//!   `f2`, `f4` or `f8` for `float16/32/64`, bit for bit (NaN payloads
//!   kept). With `--dequantize` (n-bit dtypes only) also `values.npy`, `f4`:
//!   `vmin + q * ((vmax - vmin) / (2**bits - 1))`. `"order": "F"` as for
//!   VCBN.
//!
//! Every array is built in memory first; then the directory is created and
//! the files are written to temporaries and renamed into place together.
//! On success one line on stdout lists the files written and the frame:
//! `wrote DIR/a.npy, DIR/b.npy (SAC width W, height H, A + B int16 values)`.

use std::path::{Path, PathBuf};

use framewire::{imgpack, sac, vcbn};

use crate::encode::{imgpack_summary, sac_summary, vcbn_summary};
use crate::inspect::{detect, read_input, Format};
use crate::output::{commit, path_list, report, stage, OutDir};
use crate::{bad, npy, shown, usage, Failure};

/// Output files (name and `.npy` bytes), and what the frame was.
type Outputs = (Vec<(&'static str, Vec<u8>)>, String);

fn sac_outputs(path: &Path, bytes: &[u8]) -> Result<Outputs, Failure> {
    let frame = sac::decode(bytes).map_err(|e| bad(shown(path), e))?;
    let (w, h) = (u64::from(frame.width()), u64::from(frame.height()));
    let shape = |len: usize| {
        if w.saturating_mul(h) != 0 {
            // The decoder checked that both lengths equal width*height.
            vec![h, w]
        } else {
            vec![len as u64]
        }
    };
    let a = npy::to_bytes("<i2", &shape(frame.a().len()), false, frame.a_iter())?;
    let b = npy::to_bytes("<i2", &shape(frame.b().len()), false, frame.b_iter())?;
    let what = sac_summary(
        frame.width(),
        frame.height(),
        frame.a().len(),
        frame.b().len(),
    );
    Ok((vec![("a.npy", a), ("b.npy", b)], what))
}

fn vcbn_outputs(path: &Path, bytes: &[u8], dequantize: bool) -> Result<Outputs, Failure> {
    let frame = vcbn::decode(bytes).map_err(|e| bad(shown(path), e))?;
    let header = frame.header();
    let shape = header.shape().to_array();
    let fortran = header.order() == vcbn::Order::F;
    let blob = frame.blob();
    let data = match header.dtype() {
        vcbn::Dtype::U8 => npy::to_bytes("|u1", &shape, fortran, blob.as_bytes().iter().copied())?,
        vcbn::Dtype::U16 => npy::to_bytes("<u2", &shape, fortran, blob.iter())?,
    };
    let what = vcbn_summary(header.magic().as_str(), header.dtype(), shape);
    let mut out = vec![("data.npy", data)];
    if dequantize {
        let mut values = vec![0f32; blob.len()];
        frame
            .dequantize_into(&mut values)
            .map_err(|e| bad(shown(path), e))?;
        out.push(("values.npy", npy::to_bytes("<f4", &shape, fortran, values)?));
    }
    Ok((out, what))
}

/// `c` prefixed with the machine's byte order, as a `.npy` descr: `<u2` on
/// little-endian machines.
fn native(code: &str) -> String {
    let order = if cfg!(target_endian = "big") {
        '>'
    } else {
        '<'
    };
    format!("{order}{code}")
}

fn imgpack_outputs(path: &Path, bytes: &[u8], dequantize: bool) -> Result<Outputs, Failure> {
    let frame = imgpack::decode(bytes).map_err(|e| bad(shown(path), e))?;
    let header = frame.header();
    let dtype = header.dtype();
    if dequantize && dtype.is_float() {
        return Err(usage(
            "decode",
            format_args!(
                "--dequantize applies to imgpack's n-bit dtypes (packed, uint8, uint16, \
                 uint32), and {} is {}",
                shown(path),
                dtype.name()
            ),
        ));
    }
    let shape = header.shape().to_array();
    let fortran = header.order() == vcbn::Order::F;
    let data = frame.data();
    let fail = |e: framewire::Error| bad(shown(path), e);
    let npy = match data.level_bits() {
        Ok(8) => {
            let levels = data.levels().map_err(fail)?;
            // Each level fits: level_bits is 8.
            npy::to_bytes("|u1", &shape, fortran, levels.map(|v| v as u8))?
        }
        Ok(16) => {
            let levels = data.levels().map_err(fail)?;
            npy::to_bytes(&native("u2"), &shape, fortran, levels.map(|v| v as u16))?
        }
        Ok(_) => npy::to_bytes(&native("u4"), &shape, fortran, data.levels().map_err(fail)?)?,
        Err(_) => match dtype {
            imgpack::Dtype::F16 => {
                let values =
                    (0..data.len()).map(|i| half::f16::from_bits(data.f16_bits(i).unwrap_or(0)));
                npy::to_bytes(&native("f2"), &shape, fortran, values)?
            }
            imgpack::Dtype::F32 => {
                let mut values = vec![0f32; data.len()];
                data.copy_floats_to_f32(&mut values).map_err(fail)?;
                npy::to_bytes(&native("f4"), &shape, fortran, values)?
            }
            _ => {
                let mut values = vec![0f64; data.len()];
                data.copy_floats_to_f64(&mut values).map_err(fail)?;
                npy::to_bytes(&native("f8"), &shape, fortran, values)?
            }
        },
    };
    let what = imgpack_summary(dtype, header.bits(), header.byte_order(), shape);
    let mut out = vec![("data.npy", npy)];
    if dequantize {
        let mut values = vec![0f32; data.len()];
        frame.dequantize_into(&mut values).map_err(fail)?;
        out.push((
            "values.npy",
            npy::to_bytes(&native("f4"), &shape, fortran, values)?,
        ));
    }
    Ok((out, what))
}

/// Runs `decode`.
pub(crate) fn run(path: &Path, dir: &Path, dequantize: bool) -> Result<(), Failure> {
    let bytes = read_input(path)?;
    let (outputs, what) = match detect(path, &bytes)? {
        Format::Sac if dequantize => {
            return Err(usage(
                "decode",
                format_args!(
                    "--dequantize applies to VCBN and imgpack files only, and {} is a SAC file",
                    shown(path)
                ),
            ))
        }
        Format::Sac => sac_outputs(path, &bytes)?,
        Format::Vcbn => vcbn_outputs(path, &bytes, dequantize)?,
        Format::Imgpack => imgpack_outputs(path, &bytes, dequantize)?,
        other => {
            return Err(bad(
                shown(path),
                format_args!("cannot decode {} frames", other.name()),
            ))
        }
    };
    drop(bytes);

    let out_dir = OutDir::create(dir)?;
    let paths: Vec<PathBuf> = outputs.iter().map(|(name, _)| dir.join(name)).collect();
    let written = (|| {
        let staged = paths
            .iter()
            .zip(&outputs)
            .map(|(path, (_, data))| stage(path, data))
            .collect::<Result<Vec<_>, _>>()?;
        commit(staged)
    })();
    // The temporaries are gone by now; an unsuccessful run also removes the
    // directories it created.
    written?;
    out_dir.keep();
    report(format_args!("wrote {} ({what})", path_list(&paths)))
}

#[cfg(test)]
#[allow(clippy::panic, clippy::indexing_slicing, clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn native_descr_follows_the_machine() {
        let want = if cfg!(target_endian = "little") {
            "<u2"
        } else {
            ">u2"
        };
        assert_eq!(native("u2"), want);
    }

    #[test]
    fn float16_values_are_written_bit_for_bit() {
        // A 1x3 float16 message, big-endian: 1.0, a signalling NaN, -0.0.
        let json = r#"{"dtype":"float16","endianness":"BE","shape":[1,3]}"#;
        let mut bytes = (json.len() as u32).to_be_bytes().to_vec();
        bytes.extend_from_slice(json.as_bytes());
        if bytes.len() % 2 == 1 {
            bytes.push(0);
        }
        for v in [0x3c00u16, 0x7c01, 0x8000] {
            bytes.extend_from_slice(&v.to_be_bytes());
        }
        let Ok((out, what)) = imgpack_outputs(Path::new("m"), &bytes, false) else {
            panic!("decode failed")
        };
        assert_eq!(what, "imgpack float16 BE, shape (1, 3)");
        let [(name, npy)] = out.as_slice() else {
            panic!("not one output")
        };
        assert_eq!(*name, "data.npy");
        let tail: Vec<u16> = npy
            .get(npy.len() - 6..)
            .unwrap_or_default()
            .chunks_exact(2)
            .map(|c| u16::from_ne_bytes([c[0], c[1]]))
            .collect();
        assert_eq!(tail, [0x3c00, 0x7c01, 0x8000]);
    }
}
