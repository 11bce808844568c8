//! The Service IP range (`--service-cluster-ip-range`): parsing and address arithmetic for the
//! ClusterIP allocator.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// One CIDR of `--service-cluster-ip-range`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServiceCidr {
    network: IpAddr,
    prefix: u8,
}

impl ServiceCidr {
    /// The first range of a `--service-cluster-ip-range` value (`10.96.0.0/12`, or
    /// `10.96.0.0/12,fd00::/108`); the host bits are cleared. Ranges too small to hold a
    /// network, a broadcast and one address (`/31`, `/127`) are refused.
    pub fn parse(ranges: &str) -> Result<Self, String> {
        let range = ranges.split(',').next().unwrap_or("").trim();
        let invalid = || format!("--service-cluster-ip-range {ranges:?} is not a CIDR");
        let (addr, bits) = range.split_once('/').ok_or_else(invalid)?;
        let addr: IpAddr = addr.parse().map_err(|_| invalid())?;
        let prefix: u8 = bits.parse().map_err(|_| invalid())?;
        let network = match addr {
            IpAddr::V4(v4) if prefix <= 30 => {
                let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
                IpAddr::V4(Ipv4Addr::from(u32::from(v4) & mask))
            }
            IpAddr::V6(v6) if prefix <= 126 => {
                let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
                IpAddr::V6(Ipv6Addr::from(u128::from(v6) & mask))
            }
            _ => {
                return Err(format!(
                    "--service-cluster-ip-range {ranges:?} is too small"
                ));
            }
        };
        Ok(Self { network, prefix })
    }

    fn bits(&self) -> u32 {
        match self.network {
            IpAddr::V4(_) => 32,
            IpAddr::V6(_) => 128,
        }
    }

    fn base(&self) -> u128 {
        match self.network {
            IpAddr::V4(v4) => u128::from(u32::from(v4)),
            IpAddr::V6(v6) => u128::from(v6),
        }
    }

    /// How many addresses the range spans (network and broadcast included), capped at `u64`.
    pub fn size(&self) -> u64 {
        let host_bits = self.bits() - u32::from(self.prefix);
        if host_bits >= 64 {
            u64::MAX
        } else {
            1u64 << host_bits
        }
    }

    /// The address `offset` places after the network address.
    pub fn nth(&self, offset: u64) -> IpAddr {
        let value = self.base() + u128::from(offset);
        match self.network {
            IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::from(u32::try_from(value).unwrap_or(u32::MAX))),
            IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::from(value)),
        }
    }

    /// The first usable address: the `kubernetes` Service's.
    pub fn first(&self) -> IpAddr {
        self.nth(1)
    }

    /// The offset of `ip` in the range, when it is inside it.
    pub fn offset(&self, ip: IpAddr) -> Option<u64> {
        let value = match (self.network, ip) {
            (IpAddr::V4(_), IpAddr::V4(v4)) => u128::from(u32::from(v4)),
            (IpAddr::V6(_), IpAddr::V6(v6)) => u128::from(v6),
            _ => return None,
        };
        let offset = value.checked_sub(self.base())?;
        let offset = u64::try_from(offset).ok()?;
        (offset < self.size()).then_some(offset)
    }

    /// Whether `ip` is an address Services may get: inside the range, neither the network
    /// address nor (for IPv4) the broadcast address.
    pub fn assignable(&self, ip: IpAddr) -> bool {
        match self.offset(ip) {
            Some(0) | None => false,
            Some(offset) => !(ip.is_ipv4() && offset == self.size() - 1),
        }
    }

    /// `IPv4` or `IPv6`.
    pub fn family(&self) -> &'static str {
        if self.network.is_ipv4() {
            "IPv4"
        } else {
            "IPv6"
        }
    }
}

impl fmt::Display for ServiceCidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

impl Default for ServiceCidr {
    /// `10.96.0.0/12`, kubeadm's default (kube-apiserver itself defaults to `10.0.0.0/24`).
    fn default() -> Self {
        Self {
            network: IpAddr::V4(Ipv4Addr::new(10, 96, 0, 0)),
            prefix: 12,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_parse_and_count() {
        let cidr = ServiceCidr::parse("10.100.7.9/16,fd00::/108").unwrap();
        assert_eq!(cidr.to_string(), "10.100.0.0/16");
        assert_eq!(cidr.first(), IpAddr::from([10, 100, 0, 1]));
        assert_eq!(cidr.size(), 65536);
        assert!(cidr.assignable(IpAddr::from([10, 100, 255, 254])));
        assert!(!cidr.assignable(IpAddr::from([10, 100, 255, 255])));
        assert!(!cidr.assignable(IpAddr::from([10, 100, 0, 0])));
        assert!(!cidr.assignable(IpAddr::from([10, 101, 0, 1])));
        let v6 = ServiceCidr::parse("fd00::/108").unwrap();
        assert_eq!(v6.first(), "fd00::1".parse::<IpAddr>().unwrap());
        assert_eq!(v6.family(), "IPv6");
        assert!(ServiceCidr::parse("10.0.0.0/31").is_err());
        assert!(ServiceCidr::parse("nope").is_err());
    }
}
