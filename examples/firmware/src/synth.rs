//! Synthetic sensor frames: a 64×64 depth map (`f32`, metres) and a 64×64
//! optical-flow field (two `i16` components), both changing from frame to
//! frame.
//!
//! Shared, as source, by the firmware (`thumbv7em-none-eabihf`) and by the
//! host-side check (`examples/firmware_check.rs` in the root crate), which
//! regenerates every frame and compares it with what the firmware sent. The
//! values must therefore be bit-identical on both: only `f32` `+ - *` on
//! small integers converted exactly, and wrapping integer arithmetic, which
//! IEEE 754 and two's complement define exactly on every target (Rust never
//! fuses a multiply and an add on its own).

/// Frame width in pixels.
pub const W: usize = 64;
/// Frame height in pixels.
pub const H: usize = 64;
/// Pixels per frame.
pub const PIXELS: usize = W * H;
/// Frames of each kind the firmware sends: one depth (VCBN) and one flow
/// (SAC) frame per step, interleaved.
pub const STEPS: u32 = 30;
/// Quantization range of the depth frames (metres).
pub const DEPTH_VMIN: f64 = 0.0;
/// Upper end of the depth range: the bowl's corners exceed it and clip.
pub const DEPTH_VMAX: f64 = 8.0;

/// Row `y` of depth frame `step`: a bowl whose centre moves with the step,
/// a box-shaped object in front of it sliding right, and a few invalid
/// (`NaN`) returns, as a time-of-flight sensor reports them. Some corner
/// values exceed [`DEPTH_VMAX`] and one column is negative, so quantization
/// clips at both ends.
pub fn depth_row(step: u32, y: usize, row: &mut [f32; W]) {
    let s = (step % 64) as usize;
    let cx = (16 + (s * 3) % 32) as f32;
    let cy = (24 + (s * 5) % 16) as f32;
    let box_x = (s * 2) % (W - 12);
    let fy = y as f32;
    for (x, d) in row.iter_mut().enumerate() {
        let fx = x as f32;
        let (dx, dy) = (fx - cx, fy - cy);
        let mut v = 1.0f32 + 0.001 * (dx * dx + dy * dy);
        if (box_x..box_x + 12).contains(&x) && (20..32).contains(&y) {
            v = 0.75 + 0.0625 * (y - 20) as f32;
        }
        if x == W - 1 {
            v = -0.5;
        }
        if (x * 7 + y * 13 + s * 5) % 97 == 0 {
            v = f32::NAN;
        }
        *d = v;
    }
}

/// Row `y` of flow frame `step`, components `u` and `v` (1/16 pixel units):
/// a rotation about a moving centre plus a drift, and the extremes of `i16`
/// in the first pixels of row 0.
pub fn flow_row(step: u32, y: usize, u: &mut [i16; W], v: &mut [i16; W]) {
    let s = (step % 64) as i32;
    let (cx, cy) = (20 + s, 40 - s / 2);
    let yy = y as i32;
    for (x, (pu, pv)) in u.iter_mut().zip(v.iter_mut()).enumerate() {
        let xx = x as i32;
        let du = (yy - cy).wrapping_mul(-24).wrapping_add(s.wrapping_mul(7));
        let dv = (xx - cx).wrapping_mul(24).wrapping_sub(s.wrapping_mul(3));
        *pu = du as i16;
        *pv = dv as i16;
    }
    if y == 0 {
        u[0] = i16::MIN;
        u[1] = i16::MAX;
        v[0] = i16::MAX;
        v[1] = i16::MIN;
    }
}
