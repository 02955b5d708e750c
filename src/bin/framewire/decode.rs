//! `framewire decode`: a SAC or VCBN file into `.npy` arrays.
//!
//! - SAC: `a.npy` and `b.npy`, `'<i2'`, shape `(height, width)` when
//!   `width*height != 0`, else 1-D.
//! - VCBN: `data.npy`, `'|u1'` or `'<u2'` (a big-endian blob is converted),
//!   shape `(H, W)`; with `--dequantize` also `values.npy`, `'<f4'`. A blob
//!   the header marks `"order": "F"` is column-major: it is written as is,
//!   with `fortran_order: True` in the `.npy` header, so the array NumPy loads
//!   is the same `(H, W)` array the frame describes.
//!
//! Every array is built in memory first; then the directory is created and
//! the files are written to temporaries and renamed into place together.
//! On success one line on stdout lists the files written and the frame:
//! `wrote DIR/a.npy, DIR/b.npy (SAC width W, height H, A + B int16 values)`.

use std::path::{Path, PathBuf};

use framewire::{sac, vcbn};

use crate::encode::{sac_summary, vcbn_summary};
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

/// Runs `decode`.
pub(crate) fn run(path: &Path, dir: &Path, dequantize: bool) -> Result<(), Failure> {
    let bytes = read_input(path)?;
    let (outputs, what) = match detect(path, &bytes)? {
        Format::Sac if dequantize => {
            return Err(usage(
                "decode",
                format_args!(
                    "--dequantize applies to VCBN files only, and {} is a SAC file",
                    shown(path)
                ),
            ))
        }
        Format::Sac => sac_outputs(path, &bytes)?,
        Format::Vcbn => vcbn_outputs(path, &bytes, dequantize)?,
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
