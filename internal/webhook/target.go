package webhook

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// TargetPolicy decides which URLs the service may POST to, so that webhooks cannot be
// turned against the service's own network (SSRF): https only, no credentials in the
// URL, an optional allow-list of hosts, and no internal address — loopback, private,
// link-local, shared (CGNAT), multicast, reserved, and IPv6 forms that embed an IPv4
// address. A host name is checked by what it resolves to when the subscription is
// created, and the address actually connected to is checked again on every connection
// (Dialer's Control), so a name that later resolves inward (DNS rebinding) is refused
// too. Development mode allows http and loopback, for a receiver on the developer's
// machine; nothing else.
type TargetPolicy struct {
	// AllowHosts, when not empty, are the only hosts allowed: exact names
	// ("hooks.kommune.no") or, with a leading "*." or ".", a domain and its
	// subdomains ("*.kommune.no"). Addresses are checked all the same.
	AllowHosts []string
	// Development allows http and loopback addresses.
	Development bool
	// Resolver resolves host names; nil means net.DefaultResolver.
	Resolver interface {
		LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
	}
}

// ParseAllowList splits a -webhook-allow value ("a.example,*.b.example") into hosts.
func ParseAllowList(s string) []string {
	var out []string
	for h := range strings.SplitSeq(s, ",") {
		if h = strings.ToLower(strings.TrimSpace(h)); h != "" {
			out = append(out, h)
		}
	}
	return out
}

// Check refuses rawURL unless the service may deliver to it, saying why in words a
// subscriber can act on.
func (p *TargetPolicy) Check(ctx context.Context, rawURL string) error {
	u, err := p.checkURL(rawURL)
	if err != nil {
		return err
	}
	host := strings.ToLower(u.Hostname())
	if ip, err := netip.ParseAddr(host); err == nil {
		return p.checkAddr(ip)
	}
	resolver := p.Resolver
	if resolver == nil {
		resolver = net.DefaultResolver
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	addrs, err := resolver.LookupNetIP(ctx, "ip", host)
	if err != nil || len(addrs) == 0 {
		return fmt.Errorf("the host %s cannot be resolved", host)
	}
	for _, ip := range addrs {
		if err := p.checkAddr(ip); err != nil {
			return fmt.Errorf("the host %s resolves to %s: %w", host, ip, err)
		}
	}
	return nil
}

// checkURL checks what can be checked without the network.
func (p *TargetPolicy) checkURL(rawURL string) (*url.URL, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, errors.New("the target URL is not a URL")
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && p.Development:
	case u.Scheme == "http":
		return nil, errors.New("the target URL must use https")
	default:
		return nil, fmt.Errorf("the target URL must be an https URL, not %q", u.Scheme)
	}
	switch {
	case u.User != nil:
		return nil, errors.New("the target URL must not contain credentials (user:password@); authenticate the requests by their signature")
	case u.Host == "" || u.Hostname() == "" || u.Opaque != "":
		return nil, errors.New("the target URL has no host")
	case u.Fragment != "":
		return nil, errors.New("the target URL must not have a fragment (#…)")
	case len(rawURL) > 2048:
		return nil, errors.New("the target URL is longer than 2048 characters")
	}
	if _, port, hasPort := strings.Cut(strings.TrimPrefix(u.Host, "["+u.Hostname()+"]"), ":"); hasPort && !validPort(port) {
		return nil, fmt.Errorf("the target URL's port %q is not a port (1 to 65535)", port)
	}
	if !p.hostAllowed(strings.ToLower(u.Hostname())) {
		return nil, fmt.Errorf("the host %s is not on this server's allow-list for webhooks", u.Hostname())
	}
	return u, nil
}

// validPort reports whether s is a port number, 1 to 65535, in plain decimal.
func validPort(s string) bool {
	n, err := strconv.Atoi(s)
	return err == nil && n >= 1 && n <= 65535 && strconv.Itoa(n) == s
}

func (p *TargetPolicy) hostAllowed(host string) bool {
	if len(p.AllowHosts) == 0 {
		return true
	}
	for _, a := range p.AllowHosts {
		domain, wildcard := strings.CutPrefix(a, "*")
		switch {
		case !wildcard && !strings.HasPrefix(a, ".") && host == a:
			return true
		case strings.HasPrefix(domain, "."):
			if host == domain[1:] || strings.HasSuffix(host, domain) {
				return true
			}
		}
	}
	return false
}

// special is a special-purpose range and what it is, for the refusal's words.
type special struct {
	prefix netip.Prefix
	what   string
}

func sp(prefix, what string) special { return special{netip.MustParsePrefix(prefix), what} }

// specialIPv4 are the ranges of IANA's IPv4 Special-Purpose Address Registry
// (iana-ipv4-special-registry), plus multicast: none is a subscriber's receiver,
// whatever the registry says of its global reachability (an anycast relay or an AS112
// server is not a webhook).
var specialIPv4 = []special{
	sp("0.0.0.0/8", `"this network"`),                     // RFC 791
	sp("10.0.0.0/8", "private network"),                   // RFC 1918
	sp("100.64.0.0/10", "shared (CGNAT)"),                 // RFC 6598
	sp("127.0.0.0/8", "loopback"),                         // RFC 1122
	sp("169.254.0.0/16", "link-local"),                    // RFC 3927
	sp("172.16.0.0/12", "private network"),                // RFC 1918
	sp("192.0.0.0/24", "IETF protocol assignment"),        // RFC 6890: DS-Lite, NAT64 discovery, PCP anycast …
	sp("192.0.2.0/24", "documentation"),                   // RFC 5737
	sp("192.31.196.0/24", "AS112"),                        // RFC 7535
	sp("192.52.193.0/24", "AMT"),                          // RFC 7450
	sp("192.88.99.0/24", "deprecated 6to4 relay anycast"), // RFC 7526
	sp("192.168.0.0/16", "private network"),               // RFC 1918
	sp("192.175.48.0/24", "AS112 direct delegation"),      // RFC 7534
	sp("198.18.0.0/15", "benchmarking"),                   // RFC 2544
	sp("198.51.100.0/24", "documentation"),                // RFC 5737
	sp("203.0.113.0/24", "documentation"),                 // RFC 5737
	sp("224.0.0.0/4", "multicast"),                        // RFC 5771
	sp("240.0.0.0/4", "reserved or limited broadcast"),    // RFC 1112, RFC 919 (255.255.255.255)
}

// globalIPv6 is the only IPv6 space a webhook may reach: global unicast (RFC 4291
// § 2.4). Everything outside it is refused whole, so that no range of IANA's IPv6
// Special-Purpose Address Registry there, and none added to it later, can pass;
// nonGlobalIPv6 only names the well-known ones in the refusal.
var globalIPv6 = netip.MustParsePrefix("2000::/3")

var nonGlobalIPv6 = []special{
	sp("::ffff:0:0:0/96", "IPv4-translated"),   // RFC 2765: embeds an IPv4 address
	sp("::/96", "IPv4-compatible"),             // RFC 4291 (deprecated): embeds an IPv4 address
	sp("64:ff9b::/96", "NAT64"),                // RFC 6052: embeds an IPv4 address
	sp("64:ff9b:1::/48", "local-use NAT64"),    // RFC 8215
	sp("100::/64", "discard-only"),             // RFC 6666
	sp("100:0:0:1::/64", "dummy"),              // RFC 9780
	sp("5f00::/16", "SRv6 SID"),                // RFC 9602
	sp("fc00::/7", "unique local (private)"),   // RFC 4193
	sp("fe80::/10", "link-local"),              // RFC 4291
	sp("fec0::/10", "site-local (deprecated)"), // RFC 3879
	sp("ff00::/8", "multicast"),                // RFC 4291
}

// specialIPv6 are the ranges of IANA's IPv6 Special-Purpose Address Registry inside
// global unicast.
var specialIPv6 = []special{
	sp("2001::/32", "Teredo"),                          // RFC 4380: embeds an IPv4 address
	sp("2001::/23", "IETF protocol assignment"),        // RFC 2928: benchmarking, AMT, AS112, ORCHID, drone DETs …
	sp("2001:db8::/32", "documentation"),               // RFC 3849
	sp("2002::/16", "6to4"),                            // RFC 3056: embeds an IPv4 address
	sp("2620:4f:8000::/48", "AS112 direct delegation"), // RFC 7534
	sp("3fff::/20", "documentation"),                   // RFC 9637
}

// checkAddr refuses an address the service must not connect to: every special-purpose
// address of IANA's registries, and loopback only in development mode.
func (p *TargetPolicy) checkAddr(ip netip.Addr) error {
	ip = ip.WithZone("")
	if ip.Is4In6() {
		// An IPv4-mapped address reaches the IPv4 address it holds; judged as that.
		ip = ip.Unmap()
	}
	switch {
	case ip.IsLoopback() && p.Development:
		return nil
	case ip.IsLoopback():
		return errors.New("a loopback address is not allowed")
	case ip.IsUnspecified():
		return errors.New("the unspecified address is not allowed")
	}
	refuse := func(list []special) error {
		for _, b := range list {
			if b.prefix.Contains(ip) {
				return fmt.Errorf("a %s address (%s) is not allowed", b.what, b.prefix)
			}
		}
		return nil
	}
	if ip.Is4() {
		return refuse(specialIPv4)
	}
	if !globalIPv6.Contains(ip) {
		if err := refuse(nonGlobalIPv6); err != nil {
			return err
		}
		return fmt.Errorf("%s is not a global unicast IPv6 address (2000::/3)", ip)
	}
	return refuse(specialIPv6)
}

// control is the Dialer's Control function: it checks the address about to be
// connected to, after DNS resolution, on every connection.
func (p *TargetPolicy) control(_, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return err
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return fmt.Errorf("webhook: connect to %s: not an IP address", address)
	}
	if err := p.checkAddr(ip); err != nil {
		return fmt.Errorf("webhook: connect to %s refused: %w", address, err)
	}
	return nil
}

// NewClient returns the HTTP client deliveries use: every connection checked by the
// policy, no proxy (a proxy would connect for us, unchecked), no redirects (a 3xx is a
// failed attempt: a redirect could lead anywhere), and timeout bounding each attempt.
func (p *TargetPolicy) NewClient(timeout time.Duration) *http.Client {
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second, Control: p.control}
	return &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{
			Proxy:                 nil,
			DialContext:           dialer.DialContext,
			ForceAttemptHTTP2:     true,
			MaxIdleConns:          100,
			MaxIdleConnsPerHost:   2,
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   10 * time.Second,
			ResponseHeaderTimeout: timeout,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
