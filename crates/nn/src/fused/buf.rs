//! Output buffers that parallel tasks initialise themselves: each task zeroes its own part
//! right before filling it (in parallel, and in cache) instead of the calling thread
//! zeroing the whole buffer first.

use std::mem::MaybeUninit;

/// `n` uninitialised values.
pub(crate) fn uninit<T>(n: usize) -> Vec<MaybeUninit<T>> {
    let mut v = Vec::with_capacity(n);
    // SAFETY: `MaybeUninit` values need no initialisation, and the capacity is n.
    unsafe { v.set_len(n) };
    v
}

/// Zero a task's part of an [`uninit`] buffer and return it initialised.
pub(crate) fn zeroed<T: Copy + Default>(part: &mut [MaybeUninit<T>]) -> &mut [T] {
    part.fill(MaybeUninit::new(T::default()));
    // SAFETY: every element was written just above; `MaybeUninit<T>` has T's layout.
    unsafe { &mut *(part as *mut [MaybeUninit<T>] as *mut [T]) }
}

/// The buffer, once every part of it went through [`zeroed`].
///
/// # Safety
/// Every element must have been initialised.
pub(crate) unsafe fn assume_init<T>(v: Vec<MaybeUninit<T>>) -> Vec<T> {
    let mut v = std::mem::ManuallyDrop::new(v);
    // SAFETY: same allocation, length and capacity; `MaybeUninit<T>` has T's layout and the
    // caller guarantees the values are initialised.
    unsafe { Vec::from_raw_parts(v.as_mut_ptr().cast::<T>(), v.len(), v.capacity()) }
}
