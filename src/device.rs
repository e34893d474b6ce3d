//! Backend and device selection.
//!
//! Model code is generic over `B: burn::tensor::backend::Backend`; this module picks the
//! concrete backend at the edge. The CPU backend ([`Cpu`], burn's `flex`) is always
//! compiled; the CUDA backend only with the crate feature `cuda`.
//!
//! burn's CUDA device panics on a worker thread when `libcuda` is missing, so a CUDA
//! request is checked first by loading the driver library ourselves ([`probe_cuda`]):
//! a machine without a GPU gets a clear error instead of a panic.

use std::ffi::{CStr, CString, c_char, c_int, c_uint, c_void};
use std::fmt;
use std::str::FromStr;

/// The CPU backend (burn `flex`: SIMD kernels, multi-threaded matmul).
pub type Cpu = burn::backend::Flex;

/// The CUDA backend (burn-cuda), compiled with the crate feature `cuda`.
#[cfg(feature = "cuda")]
pub type Cuda = burn::backend::Cuda;

/// Where to run: `cpu`, or `cuda:N` (`cuda` means `cuda:0`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DeviceChoice {
    /// The CPU (flex) backend.
    #[default]
    Cpu,
    /// CUDA device with this ordinal.
    Cuda(usize),
}

impl fmt::Display for DeviceChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Cpu => write!(f, "cpu"),
            Self::Cuda(index) => write!(f, "cuda:{index}"),
        }
    }
}

/// Errors of device selection.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DeviceError {
    /// The device string is not `cpu`, `cuda` or `cuda:N`.
    #[error("unknown device `{0}`: expected `cpu`, `cuda` or `cuda:N`")]
    Unknown(String),
    /// CUDA was requested but the binary was built without the `cuda` feature.
    #[error(
        "device `{0}` requested, but this build has no CUDA support: rebuild with `cargo build --release --features cuda`"
    )]
    CudaNotCompiled(DeviceChoice),
    /// CUDA was requested but the driver or the device is not there.
    #[error("device `{device}` requested, but CUDA is not usable on this machine: {source}")]
    CudaUnavailable {
        /// The requested device.
        device: DeviceChoice,
        /// What the probe found.
        source: CudaProbeError,
    },
    /// CUDA works but the requested ordinal is not one of its devices.
    #[error("device `{device}` requested, but the driver reports {count} device(s)")]
    NoSuchDevice {
        /// The requested device.
        device: DeviceChoice,
        /// How many devices the driver reports.
        count: usize,
    },
}

/// What [`probe_cuda`] found missing.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CudaProbeError {
    /// Neither `libcuda.so.1` nor `libcuda.so` can be loaded.
    #[error("the CUDA driver library libcuda.so.1 cannot be loaded ({dlerror})")]
    NoDriver {
        /// The dynamic loader's message.
        dlerror: String,
    },
    /// The driver library lacks a driver API function.
    #[error("libcuda has no symbol {0}")]
    MissingSymbol(&'static str),
    /// `cuInit` returned a CUDA error code.
    #[error("cuInit failed with CUDA error {0} (no usable GPU or driver mismatch)")]
    Init(i32),
    /// `cuDeviceGetCount` returned a CUDA error code.
    #[error("cuDeviceGetCount failed with CUDA error {0}")]
    DeviceCount(i32),
    /// The driver loads but reports no devices.
    #[error("the CUDA driver reports no devices")]
    NoDevices,
    /// A query about one device failed.
    #[error("the CUDA driver cannot describe device {index} (CUDA error {status})")]
    Device {
        /// The device ordinal.
        index: usize,
        /// The CUDA error code.
        status: i32,
    },
}

impl FromStr for DeviceChoice {
    type Err = DeviceError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let lowered = text.trim().to_ascii_lowercase();
        match lowered.as_str() {
            "cpu" => Ok(Self::Cpu),
            "cuda" | "gpu" => Ok(Self::Cuda(0)),
            other => other
                .strip_prefix("cuda:")
                .and_then(|index| index.parse().ok())
                .map(Self::Cuda)
                .ok_or_else(|| DeviceError::Unknown(text.to_owned())),
        }
    }
}

impl DeviceChoice {
    /// Checks that the device can be used by this build on this machine.
    pub fn check(self) -> Result<Self, DeviceError> {
        match self {
            Self::Cpu => Ok(self),
            Self::Cuda(index) => {
                if !cfg!(feature = "cuda") {
                    return Err(DeviceError::CudaNotCompiled(self));
                }
                let count = probe_cuda().map_err(|source| DeviceError::CudaUnavailable { device: self, source })?;
                if index >= count {
                    return Err(DeviceError::NoSuchDevice { device: self, count });
                }
                Ok(self)
            }
        }
    }
}

/// The CUDA driver library, loaded and initialised.
struct Driver {
    library: *mut c_void,
}

impl Driver {
    /// Loads `libcuda.so.1` (or `libcuda.so`) and calls `cuInit`.
    fn load() -> Result<Self, CudaProbeError> {
        type CuInit = unsafe extern "C" fn(c_uint) -> c_int;
        let library = ["libcuda.so.1", "libcuda.so"]
            .iter()
            .find_map(|name| {
                let name = CString::new(*name).ok()?;
                // SAFETY: dlopen with a valid NUL-terminated name; the handle is only used
                // for dlsym below and intentionally kept open (the driver stays loaded).
                let handle = unsafe { libc::dlopen(name.as_ptr(), libc::RTLD_LAZY | libc::RTLD_LOCAL) };
                (!handle.is_null()).then_some(handle)
            })
            .ok_or_else(|| CudaProbeError::NoDriver { dlerror: dl_error() })?;
        let driver = Self { library };
        // SAFETY: `cuInit` has this C signature in every CUDA driver API version.
        let cu_init: CuInit = unsafe { std::mem::transmute::<*mut c_void, CuInit>(driver.symbol(c"cuInit")?) };
        // SAFETY: a plain driver API call with a valid argument.
        let status = unsafe { cu_init(0) };
        if status != 0 {
            return Err(CudaProbeError::Init(status));
        }
        Ok(driver)
    }

    /// The address of a driver API function.
    fn symbol(&self, name: &'static CStr) -> Result<*mut c_void, CudaProbeError> {
        // SAFETY: valid handle from dlopen and a NUL-terminated symbol name.
        let pointer = unsafe { libc::dlsym(self.library, name.as_ptr()) };
        if pointer.is_null() { Err(CudaProbeError::MissingSymbol(name.to_str().unwrap_or("?"))) } else { Ok(pointer) }
    }
}

/// Loads the CUDA driver (`libcuda.so.1`), initialises it and returns the number of
/// devices, without touching burn. Errors say what is missing.
pub fn probe_cuda() -> Result<usize, CudaProbeError> {
    type CuDeviceGetCount = unsafe extern "C" fn(*mut c_int) -> c_int;
    let driver = Driver::load()?;
    // SAFETY: the symbol has this C signature in every CUDA driver API version.
    let cu_count: CuDeviceGetCount =
        unsafe { std::mem::transmute::<*mut c_void, CuDeviceGetCount>(driver.symbol(c"cuDeviceGetCount")?) };
    let mut count: c_int = 0;
    // SAFETY: `count` is a valid out-pointer.
    let status = unsafe { cu_count(&mut count) };
    if status != 0 {
        return Err(CudaProbeError::DeviceCount(status));
    }
    if count <= 0 {
        return Err(CudaProbeError::NoDevices);
    }
    Ok(count as usize)
}

/// The total memory of CUDA device `index` in bytes (`cuDeviceTotalMem_v2`), without
/// touching burn.
pub fn cuda_total_memory(index: usize) -> Result<u64, CudaProbeError> {
    type CuDeviceGet = unsafe extern "C" fn(*mut c_int, c_int) -> c_int;
    type CuDeviceTotalMem = unsafe extern "C" fn(*mut usize, c_int) -> c_int;
    let driver = Driver::load()?;
    // SAFETY: the symbols have these C signatures in every CUDA driver API version since 3.2.
    let (cu_get, cu_total) = unsafe {
        (
            std::mem::transmute::<*mut c_void, CuDeviceGet>(driver.symbol(c"cuDeviceGet")?),
            std::mem::transmute::<*mut c_void, CuDeviceTotalMem>(driver.symbol(c"cuDeviceTotalMem_v2")?),
        )
    };
    let mut device: c_int = 0;
    // SAFETY: valid out-pointer; an invalid ordinal is an error code, not UB.
    let status = unsafe { cu_get(&mut device, index as c_int) };
    if status != 0 {
        return Err(CudaProbeError::Device { index, status });
    }
    let mut bytes: usize = 0;
    // SAFETY: valid out-pointer and a device handle from cuDeviceGet.
    let status = unsafe { cu_total(&mut bytes, device) };
    if status != 0 {
        return Err(CudaProbeError::Device { index, status });
    }
    Ok(bytes as u64)
}

fn dl_error() -> String {
    // SAFETY: dlerror returns either null or a valid C string owned by libc.
    let message = unsafe { libc::dlerror() };
    if message.is_null() {
        "unknown dlopen error".to_owned()
    } else {
        // SAFETY: non-null pointer from dlerror.
        unsafe { CStr::from_ptr(message as *const c_char) }.to_string_lossy().into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_strings_parse() {
        assert_eq!("cpu".parse::<DeviceChoice>().unwrap(), DeviceChoice::Cpu);
        assert_eq!("cuda".parse::<DeviceChoice>().unwrap(), DeviceChoice::Cuda(0));
        assert_eq!("CUDA:3".parse::<DeviceChoice>().unwrap(), DeviceChoice::Cuda(3));
        assert!(matches!("tpu".parse::<DeviceChoice>(), Err(DeviceError::Unknown(_))));
        assert!(matches!("cuda:x".parse::<DeviceChoice>(), Err(DeviceError::Unknown(_))));
    }

    #[test]
    fn cuda_request_without_support_or_gpu_is_a_clear_error_not_a_panic() {
        let compiled = cfg!(feature = "cuda");
        match DeviceChoice::Cuda(0).check() {
            // A machine with a GPU and a CUDA build: nothing to assert beyond success.
            Ok(_) => assert!(compiled),
            Err(DeviceError::CudaNotCompiled(_)) => assert!(!compiled),
            Err(DeviceError::CudaUnavailable { source, .. }) => assert!(compiled && !source.to_string().is_empty()),
            Err(other) => panic!("unexpected error {other}"),
        }
    }
}
