package webhook

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
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
	if port := u.Port(); port != "" && (len(port) > 5 || port == "0") {
		return nil, fmt.Errorf("the target URL's port %q is not valid", port)
	}
	if !p.hostAllowed(strings.ToLower(u.Hostname())) {
		return nil, fmt.Errorf("the host %s is not on this server's allow-list for webhooks", u.Hostname())
	}
	return u, nil
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

// blocked are the ranges refused beyond what netip's predicates name: they are not
// the public internet, or they reach an IPv4 address by another route.
var blocked = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),   // shared address space (CGNAT)
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("192.0.2.0/24"),    // documentation
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("198.51.100.0/24"), // documentation
	netip.MustParsePrefix("203.0.113.0/24"),  // documentation
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, and broadcast
	netip.MustParsePrefix("::/96"),           // IPv4-compatible (deprecated)
	netip.MustParsePrefix("64:ff9b::/96"),    // NAT64: embeds an IPv4 address
	netip.MustParsePrefix("64:ff9b:1::/48"),  // local-use NAT64
	netip.MustParsePrefix("100::/64"),        // discard
	netip.MustParsePrefix("2001::/32"),       // Teredo: embeds an IPv4 address
	netip.MustParsePrefix("2001:db8::/32"),   // documentation
	netip.MustParsePrefix("2002::/16"),       // 6to4: embeds an IPv4 address
}

// checkAddr refuses an address the service must not connect to.
func (p *TargetPolicy) checkAddr(ip netip.Addr) error {
	ip = ip.Unmap()
	switch {
	case ip.IsLoopback():
		if p.Development {
			return nil
		}
		return errors.New("a loopback address is not allowed")
	case ip.IsUnspecified():
		return errors.New("the unspecified address is not allowed")
	case ip.IsPrivate():
		return errors.New("a private network address is not allowed")
	case ip.IsLinkLocalUnicast(), ip.IsLinkLocalMulticast():
		return errors.New("a link-local address is not allowed")
	case ip.IsMulticast(), ip.IsInterfaceLocalMulticast():
		return errors.New("a multicast address is not allowed")
	}
	for _, b := range blocked {
		if b.Contains(ip) {
			return fmt.Errorf("an address in %s is not allowed", b)
		}
	}
	return nil
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
