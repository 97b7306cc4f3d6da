//! A tiny deterministic generator (splitmix64): the same (seed, index, stream) always gives
//! the same values, independent of crate versions.

pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64, index: u64, stream: u64) -> Rng {
        let mut r = Rng(seed ^ 0x9E37_79B9_7F4A_7C15);
        r.0 = r.0.wrapping_add(index.wrapping_mul(0xD1B5_4A32_D192_ED03));
        r.0 = r.0.wrapping_add(stream.wrapping_mul(0x8CB9_2BA7_2F3D_8DD7));
        r.next();
        r
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in 0..n (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        ((self.next() >> 11) as u128 * n as u128 >> 53) as u64
    }

    /// True with probability `per_mille`/1000.
    pub fn chance(&mut self, per_mille: u64) -> bool {
        self.below(1000) < per_mille
    }

    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }

    /// A version-4 GUID in its usual text form.
    pub fn guid(&mut self) -> String {
        let a = self.next();
        let b = self.next();
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&a.to_le_bytes());
        bytes[8..].copy_from_slice(&b.to_le_bytes());
        bytes[6] = (bytes[6] & 0x0F) | 0x40;
        bytes[8] = (bytes[8] & 0x3F) | 0x80;
        uuid::Uuid::from_bytes(bytes).hyphenated().to_string()
    }

    pub fn hex(&mut self, len: usize) -> String {
        let mut s = String::with_capacity(len);
        while s.len() < len {
            s.push_str(&format!("{:016x}", self.next()));
        }
        s.truncate(len);
        s
    }

    pub fn upper_alnum(&mut self, len: usize) -> String {
        const A: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        (0..len).map(|_| A[self.below(A.len() as u64) as usize] as char).collect()
    }
}

/// A bijection of 0..p, parameterised by a seed: `(i * a + b) mod p` with `a` coprime to `p`.
pub struct Permutation {
    p: u64,
    a: u64,
    b: u64,
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

impl Permutation {
    pub fn new(p: u64, seed: u64, stream: u64) -> Permutation {
        let mut r = Rng::new(seed, 0, stream);
        let mut a = (r.below(p.max(2)) | 1).max(1);
        while gcd(a, p) != 1 {
            a += 1;
        }
        Permutation { p, a, b: r.below(p.max(1)) }
    }

    /// (position in the permutation, round): distinct `i` give distinct pairs.
    pub fn map(&self, i: u64) -> (u64, u64) {
        let c = ((i % self.p) as u128 * self.a as u128 + self.b as u128) % self.p as u128;
        (c as u64, i / self.p)
    }
}
