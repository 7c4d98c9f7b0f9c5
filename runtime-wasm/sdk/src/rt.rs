//! What every wasm32 contract needs from the language runtime: a global allocator and a panic
//! handler. Only compiled for wasm32, where the SDK provides both.
#![allow(unsafe_code)]

use core::alloc::{GlobalAlloc, Layout};
use core::arch::wasm32;
use core::sync::atomic::{AtomicUsize, Ordering};

/// A bump allocator that never frees: every call runs in a fresh instance, so memory lives only
/// as long as the call and bookkeeping would cost gas for nothing. It starts at the linker's
/// `__heap_base` and grows memory a page at a time as needed (each page costs gas).
struct BumpAllocator;

/// The next free byte; 0 until the first allocation. (wasm32 without threads: an atomic is a
/// plain load/store, used only to avoid `static mut`.)
static NEXT: AtomicUsize = AtomicUsize::new(0);

const PAGE: usize = 65_536;

unsafe extern "C" {
    /// The end of the module's static data and stack, defined by the linker.
    static __heap_base: u8;
}

// SAFETY: returns either null or a block of `layout.size()` bytes aligned to `layout.align()`
// inside linear memory that no other allocation overlaps (the cursor only moves forward).
unsafe impl GlobalAlloc for BumpAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let mut next = NEXT.load(Ordering::Relaxed);
        if next == 0 {
            next = &raw const __heap_base as usize;
        }
        let start = next.next_multiple_of(layout.align());
        let Some(end) = start.checked_add(layout.size()) else { return core::ptr::null_mut() };
        let size = wasm32::memory_size(0) * PAGE;
        // `memory.grow` returns usize::MAX past the host's limit: fail the allocation (a trap).
        if end > size && wasm32::memory_grow(0, (end - size).div_ceil(PAGE)) == usize::MAX {
            return core::ptr::null_mut();
        }
        NEXT.store(end, Ordering::Relaxed);
        start as *mut u8
    }

    unsafe fn dealloc(&self, _ptr: *mut u8, _layout: Layout) {}
}

#[global_allocator]
static ALLOCATOR: BumpAllocator = BumpAllocator;

/// A panic (a failed `expect`, an out-of-bounds index, an allocation failure) traps: the call
/// halts and consumes all its gas, as an EVM exceptional halt. Contracts that mean to revert
/// return `Err(Revert)` instead.
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    wasm32::unreachable()
}
