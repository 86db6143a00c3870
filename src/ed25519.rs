//! Ed25519 on the fastest code each side has: curve25519-dalek verifies (`verify_strict`, on the
//! backend it picks for this CPU at run time) and AWS-LC signs (about twice as fast as dalek's
//! serial basepoint multiplication; Ed25519 is deterministic, so the bytes are the same).
//! The `unsafe` blocks below call AWS-LC's C functions, each with fixed-size buffers.

use zeroize::Zeroizing;

/// The curve arithmetic curve25519-dalek runs on this CPU.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Avx512Ifma,
    Avx2,
    Serial,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Avx512Ifma => "avx512ifma",
            Backend::Avx2 => "avx2",
            Backend::Serial => "serial",
        }
    }
}

/// Which vector backends curve25519-dalek was compiled with. Its build script decides from the
/// same `--cfg` flags this crate sees (.cargo/config.toml or RUSTFLAGS), so these mirror it:
/// `avx512` also compiles `simd` (AVX2); with no override, x86-64 gets `simd`, and `avx512` too
/// when the target itself enables avx512ifma and avx512vl; `serial`, `fiat` or 32-bit words
/// compile neither.
#[derive(Clone, Copy, Debug)]
struct Built {
    avx512: bool,
    avx2: bool,
}

const BUILT: Built = Built {
    avx512: cfg!(all(
        target_arch = "x86_64",
        target_pointer_width = "64",
        not(curve25519_dalek_bits = "32"),
        any(
            curve25519_dalek_backend = "avx512",
            all(
                not(any(
                    curve25519_dalek_backend = "serial",
                    curve25519_dalek_backend = "fiat",
                    curve25519_dalek_backend = "simd"
                )),
                target_feature = "avx512ifma",
                target_feature = "avx512vl"
            )
        )
    )),
    avx2: cfg!(all(
        target_arch = "x86_64",
        target_pointer_width = "64",
        not(curve25519_dalek_bits = "32"),
        not(any(
            curve25519_dalek_backend = "serial",
            curve25519_dalek_backend = "fiat"
        ))
    )),
};

/// What the CPU offers, detected the way curve25519-dalek detects it (cpufeatures, which also
/// checks that the OS saves the vector registers).
#[derive(Clone, Copy, Debug)]
struct Cpu {
    avx512ifma_vl: bool,
    avx2: bool,
}

#[cfg(target_arch = "x86_64")]
fn cpu() -> Cpu {
    cpufeatures::new!(cpuid_avx512, "avx512ifma", "avx512vl");
    cpufeatures::new!(cpuid_avx2, "avx2");
    Cpu {
        avx512ifma_vl: cpuid_avx512::get(),
        avx2: cpuid_avx2::get(),
    }
}

#[cfg(not(target_arch = "x86_64"))]
fn cpu() -> Cpu {
    Cpu {
        avx512ifma_vl: false,
        avx2: false,
    }
}

/// curve25519-dalek's order: AVX-512 IFMA if built and present, then AVX2, then serial.
fn select(built: Built, cpu: Cpu) -> Backend {
    if built.avx512 && cpu.avx512ifma_vl {
        Backend::Avx512Ifma
    } else if built.avx2 && cpu.avx2 {
        Backend::Avx2
    } else {
        Backend::Serial
    }
}

/// The backend curve25519-dalek uses for every verification in this process.
pub fn backend() -> Backend {
    select(BUILT, cpu())
}

/// An Ed25519 private key. The dalek key holds the seed and derives the public key; AWS-LC signs
/// from its own 64-byte form of the key (seed, then public key). Both are zeroized on drop.
#[derive(Clone)]
pub struct SigningKey {
    dalek: ed25519_dalek::SigningKey,
    aws: Zeroizing<[u8; 64]>,
}

impl SigningKey {
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        let dalek = ed25519_dalek::SigningKey::from_bytes(seed);
        // SAFETY: no arguments; AWS-LC runs its initialisation (the choice of code for this CPU)
        // once, however often it is called. This is the aws-lc-sys the calls below link to, even
        // if aws-lc-rs ever brings a copy of its own.
        unsafe { aws_lc_sys::CRYPTO_library_init() };
        let mut public = [0u8; 32];
        let mut aws = Zeroizing::new([0u8; 64]);
        // SAFETY: writes 32 bytes to `public` and 64 to `aws`, reads the 32 bytes of `seed`.
        unsafe {
            aws_lc_sys::ED25519_keypair_from_seed(
                public.as_mut_ptr(),
                aws.as_mut_ptr(),
                seed.as_ptr(),
            );
        }
        // The two halves are one key.
        assert_eq!(
            &public,
            dalek.verifying_key().as_bytes(),
            "AWS-LC and dalek derive the same Ed25519 public key from a seed"
        );
        SigningKey { dalek, aws }
    }

    pub fn generate() -> Self {
        let mut seed = Zeroizing::new([0u8; 32]);
        rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut seed[..]);
        SigningKey::from_seed(&seed)
    }

    /// The seed (RFC 8032's private key).
    pub fn as_bytes(&self) -> &[u8; 32] {
        self.dalek.as_bytes()
    }

    pub fn verifying_key(&self) -> ed25519_dalek::VerifyingKey {
        self.dalek.verifying_key()
    }

    /// AWS-LC's `ED25519_sign`, called directly: aws-lc-rs's `Ed25519KeyPair::sign` goes through
    /// an EVP context and returns a 4.6 kB `Signature` it zeroes first, a twentieth of the
    /// time of a whole encode.
    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        let mut out = [0u8; 64];
        // SAFETY: writes 64 bytes to `out`, reads `message.len()` bytes of `message` and the 64
        // bytes of the private key.
        let signed = unsafe {
            aws_lc_sys::ED25519_sign(
                out.as_mut_ptr(),
                message.as_ptr(),
                message.len(),
                self.aws.as_ptr(),
            )
        };
        assert_eq!(signed, 1, "AWS-LC's Ed25519 signing does not fail");
        out
    }

    /// dalek's signature, the reference the AWS-LC signature must equal byte for byte.
    #[cfg(test)]
    fn sign_dalek(&self, message: &[u8]) -> [u8; 64] {
        use ed25519_dalek::Signer as _;
        self.dalek.sign(message).to_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL_BUILDS: [Built; 3] = [
        Built {
            avx512: true,
            avx2: true,
        },
        Built {
            avx512: false,
            avx2: true,
        },
        Built {
            avx512: false,
            avx2: false,
        },
    ];

    #[test]
    fn selection_follows_dalek_order() {
        for built in ALL_BUILDS {
            for (ifma, avx2) in [(true, true), (false, true), (false, false)] {
                let cpu = Cpu {
                    avx512ifma_vl: ifma,
                    avx2,
                };
                let want = if built.avx512 && ifma {
                    Backend::Avx512Ifma
                } else if built.avx2 && avx2 {
                    Backend::Avx2
                } else {
                    Backend::Serial
                };
                assert_eq!(select(built, cpu), want, "{built:?} {cpu:?}");
            }
        }
    }

    /// The flags the kernel reports, an independent witness of what the CPU offers.
    fn proc_cpuinfo_flags() -> Option<Vec<String>> {
        let text = std::fs::read_to_string("/proc/cpuinfo").ok()?;
        let line = text.lines().find(|l| l.starts_with("flags"))?;
        Some(line.split_whitespace().map(str::to_owned).collect())
    }

    #[test]
    fn a_cpu_with_ifma_selects_the_avx512_backend() {
        let Some(flags) = proc_cpuinfo_flags() else {
            eprintln!("skipped: no /proc/cpuinfo on this system");
            return;
        };
        let has = |f: &str| flags.iter().any(|g| g == f);
        let cpu = Cpu {
            avx512ifma_vl: has("avx512ifma") && has("avx512vl"),
            avx2: has("avx2"),
        };
        assert_eq!(backend(), select(BUILT, cpu));
        if cfg!(curve25519_dalek_backend = "avx512") && cpu.avx512ifma_vl {
            assert_eq!(backend().name(), "avx512ifma");
        }
    }

    /// scripts/test.sh runs the tests once per backend and names the one each build must use.
    #[test]
    fn the_backend_scripts_test_sh_expects() {
        if let Ok(want) = std::env::var("KEYTURN_EXPECT_ED25519_BACKEND") {
            assert_eq!(backend().name(), want);
        }
    }

    /// A small deterministic generator: the property test needs no extra crate and replays.
    fn splitmix(state: &mut u64) -> u64 {
        *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = *state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    #[test]
    fn aws_lc_signatures_equal_dalek_signatures_byte_for_byte() {
        let mut state = 0x6b65_7974_7572_6e21;
        for case in 0..1000 {
            let mut seed = [0u8; 32];
            seed.iter_mut()
                .for_each(|b| *b = splitmix(&mut state) as u8);
            let len = (splitmix(&mut state) % 700) as usize;
            let message: Vec<u8> = (0..len).map(|_| splitmix(&mut state) as u8).collect();
            let key = SigningKey::from_seed(&seed);
            let signature = key.sign(&message);
            assert_eq!(signature, key.sign_dalek(&message), "case {case}");
            let signature = ed25519_dalek::Signature::from_bytes(&signature);
            assert!(key
                .verifying_key()
                .verify_strict(&message, &signature)
                .is_ok());
        }
    }

    #[test]
    fn generated_keys_sign_like_dalek() {
        let key = SigningKey::generate();
        assert_eq!(key.sign(b"payload"), key.sign_dalek(b"payload"));
        assert_ne!(key.as_bytes(), SigningKey::generate().as_bytes());
    }
}
