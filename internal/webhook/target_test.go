package webhook_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/forsok/forsok/internal/webhook"
)

// fakeResolver answers from a table, as a DNS server under an attacker's control could.
type fakeResolver map[string][]string

func (f fakeResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	addrs, ok := f[host]
	if !ok {
		return nil, errors.New("no such host")
	}
	var out []netip.Addr
	for _, a := range addrs {
		out = append(out, netip.MustParseAddr(a))
	}
	return out, nil
}

var resolver = fakeResolver{
	"hooks.kommune.no":     {"93.184.216.34"},
	"api.hooks.kommune.no": {"93.184.216.35"},
	"v6.kommune.no":        {"2a00:1450:4001:82a::200e"},
	"localhost.evil.no":    {"127.0.0.1"},
	"rebind.evil.no":       {"93.184.216.34", "10.0.0.5"},
	"metadata.evil.no":     {"169.254.169.254"},
	"v6loop.evil.no":       {"::1"},
	"mapped.evil.no":       {"::ffff:192.168.1.1"},
}

// TestTargetPolicy_Check is the SSRF table: what a subscription may and may not point
// at, in production and development mode.
func TestTargetPolicy_Check(t *testing.T) {
	tests := []struct {
		name  string
		url   string
		dev   bool
		allow []string
		want  string // "" for allowed, else a part of the refusal
	}{
		{"OKHTTPSName", "https://hooks.kommune.no/forsok", false, nil, ""},
		{"OKPortAndQuery", "https://hooks.kommune.no:8443/forsok?x=1", false, nil, ""},
		{"OKPublicIPv4Literal", "https://93.184.216.34/hook", false, nil, ""},
		{"OKPublicIPv6", "https://v6.kommune.no/hook", false, nil, ""},
		{"ErrHTTP", "http://hooks.kommune.no/forsok", false, nil, "must use https"},
		{"ErrOtherScheme", "ftp://hooks.kommune.no/", false, nil, "https URL"},
		{"ErrNotAbsolute", "hooks.kommune.no/forsok", false, nil, "https URL"},
		{"ErrCredentials", "https://user:pass@hooks.kommune.no/", false, nil, "credentials"},
		{"ErrUserOnly", "https://token@hooks.kommune.no/", false, nil, "credentials"},
		{"ErrFragment", "https://hooks.kommune.no/#x", false, nil, "fragment"},
		{"ErrNoHost", "https:///path", false, nil, "no host"},
		{"ErrLoopbackLiteral", "https://127.0.0.1/hook", false, nil, "loopback"},
		{"ErrLoopbackV6", "https://[::1]/hook", false, nil, "loopback"},
		{"ErrPrivate10", "https://10.1.2.3/hook", false, nil, "private"},
		{"ErrPrivate172", "https://172.16.0.1/hook", false, nil, "private"},
		{"ErrPrivate192", "https://192.168.0.1/hook", false, nil, "private"},
		{"ErrUniqueLocalV6", "https://[fd00::1]/hook", false, nil, "private"},
		{"ErrLinkLocalMetadata", "https://169.254.169.254/latest/meta-data", false, nil, "link-local"},
		{"ErrLinkLocalV6", "https://[fe80::1]/hook", false, nil, "link-local"},
		{"ErrUnspecified", "https://0.0.0.0/hook", false, nil, "unspecified"},
		{"ErrThisNetwork", "https://0.1.2.3/hook", false, nil, "0.0.0.0/8"},
		{"ErrCGNAT", "https://100.64.0.1/hook", false, nil, "100.64.0.0/10"},
		{"ErrMulticast", "https://239.1.2.3/hook", false, nil, "multicast"},
		{"ErrBroadcast", "https://255.255.255.255/hook", false, nil, "240.0.0.0/4"},
		{"ErrMappedV4Private", "https://[::ffff:10.0.0.1]/hook", false, nil, "private"},
		{"ErrNAT64", "https://[64:ff9b::a00:1]/hook", false, nil, "64:ff9b::/96"},
		{"Err6to4", "https://[2002:a00:1::1]/hook", false, nil, "2002::/16"},
		// IANA's special-purpose registries, IPv4 and IPv6, and forms embedding IPv4.
		{"ErrIPv4Translated", "https://[::ffff:0:a00:1]/hook", false, nil, "IPv4-translated"},
		{"ErrIPv4TranslatedPublic", "https://[::ffff:0:808:808]/hook", false, nil, "IPv4-translated"},
		{"ErrIPv4Compatible", "https://[::a00:1]/hook", false, nil, "IPv4-compatible"},
		{"ErrMappedLoopback", "https://[::ffff:127.0.0.1]/hook", false, nil, "loopback"},
		{"ErrSiteLocal", "https://[fec0::1]/hook", false, nil, "site-local"},
		{"ErrLocalNAT64", "https://[64:ff9b:1::a00:1]/hook", false, nil, "NAT64"},
		{"Err6to4Public", "https://[2002:808:808::1]/hook", false, nil, "2002::/16"},
		{"ErrTeredo", "https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/hook", false, nil, "Teredo"},
		{"ErrBenchmarkingV6", "https://[2001:2::1]/hook", false, nil, "2001::/23"},
		{"ErrDocumentationV6", "https://[2001:db8::1]/hook", false, nil, "documentation"},
		{"ErrDocumentationV6New", "https://[3fff::1]/hook", false, nil, "documentation"},
		{"ErrAS112V6", "https://[2620:4f:8000::1]/hook", false, nil, "AS112"},
		{"ErrDiscardV6", "https://[100::1]/hook", false, nil, "discard-only"},
		{"ErrSRv6", "https://[5f00::1]/hook", false, nil, "SRv6"},
		{"ErrMulticastV6", "https://[ff02::1]/hook", false, nil, "multicast"},
		{"ErrReservedV6", "https://[4000::1]/hook", false, nil, "2000::/3"},
		{"ErrZonedLinkLocal", "https://[fe80::1%25eth0]/hook", false, nil, "link-local"},
		{"ErrIETFv4", "https://192.0.0.9/hook", false, nil, "192.0.0.0/24"},
		{"ErrAS112v4", "https://192.31.196.1/hook", false, nil, "AS112"},
		{"ErrAMT", "https://192.52.193.1/hook", false, nil, "AMT"},
		{"Err6to4Relay", "https://192.88.99.1/hook", false, nil, "6to4 relay"},
		{"ErrAS112Delegation", "https://192.175.48.1/hook", false, nil, "AS112"},
		{"ErrBenchmarking", "https://198.18.0.1/hook", false, nil, "benchmarking"},
		{"ErrDocumentation", "https://203.0.113.7/hook", false, nil, "documentation"},
		{"OKPublicV6", "https://[2a00:1450:400f:80d::200e]/hook", false, nil, ""},
		{"OKPublicV4", "https://8.8.8.8/hook", false, nil, ""},
		{"OKPort", "https://8.8.8.8:8443/hook", false, nil, ""},
		{"OKPortMax", "https://8.8.8.8:65535/hook", false, nil, ""},
		{"ErrPortTooLarge", "https://8.8.8.8:99999/hook", false, nil, "port"},
		{"ErrPort65536", "https://8.8.8.8:65536/hook", false, nil, "port"},
		{"ErrPortZero", "https://8.8.8.8:0/hook", false, nil, "port"},
		{"ErrPortLeadingZero", "https://8.8.8.8:0443/hook", false, nil, "port"},
		{"ErrPortEmpty", "https://8.8.8.8:/hook", false, nil, "port"},
		{"ErrPortV6TooLarge", "https://[2a00:1450:400f:80d::200e]:70000/hook", false, nil, "port"},
		{"ErrDNSToLoopback", "https://localhost.evil.no/hook", false, nil, "resolves to 127.0.0.1"},
		{"ErrDNSOneInternal", "https://rebind.evil.no/hook", false, nil, "resolves to 10.0.0.5"},
		{"ErrDNSToMetadata", "https://metadata.evil.no/hook", false, nil, "link-local"},
		{"ErrDNSToV6Loopback", "https://v6loop.evil.no/hook", false, nil, "loopback"},
		{"ErrDNSToMappedPrivate", "https://mapped.evil.no/hook", false, nil, "private"},
		{"ErrUnresolvable", "https://nowhere.kommune.no/hook", false, nil, "cannot be resolved"},
		{"OKAllowed", "https://hooks.kommune.no/", false, []string{"hooks.kommune.no"}, ""},
		{"OKAllowedDomain", "https://api.hooks.kommune.no/", false, []string{"*.kommune.no"}, ""},
		{"OKAllowedCase", "https://HOOKS.kommune.no/", false, []string{"hooks.kommune.no"}, ""},
		{"ErrNotAllowed", "https://hooks.kommune.no/", false, []string{"other.kommune.no"}, "allow-list"},
		{"ErrAllowListStillChecksAddress", "https://localhost.evil.no/", false, []string{"*.evil.no"}, "loopback"},
		{"DevOKHTTPLoopback", "http://127.0.0.1:8080/hook", true, nil, ""},
		{"DevOKDNSToLoopback", "http://localhost.evil.no:8080/hook", true, nil, ""},
		{"DevErrPrivate", "http://10.0.0.1/hook", true, nil, "private"},
		{"DevErrMetadata", "http://169.254.169.254/hook", true, nil, "link-local"},
		{"DevErrCredentials", "http://u:p@127.0.0.1/hook", true, nil, "credentials"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &webhook.TargetPolicy{Development: tt.dev, AllowHosts: tt.allow, Resolver: resolver}
			err := p.Check(context.Background(), tt.url)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("got %v, want allowed", err)
			case tt.want != "" && err == nil:
				t.Errorf("got allowed, want refused (%s)", tt.want)
			case tt.want != "" && !strings.Contains(err.Error(), tt.want):
				t.Errorf("got %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

// TestTargetPolicy_ConnectTimeCheck: the address actually connected to is checked,
// whatever was checked before: a name that resolves inward at delivery (DNS rebinding),
// or a URL that was never checked, is refused at connect time.
func TestTargetPolicy_ConnectTimeCheck(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())

	prod := (&webhook.TargetPolicy{}).NewClient(5 * time.Second)
	for _, u := range []string{srv.URL, "http://localhost:" + port} {
		resp, err := prod.Get(u)
		if err == nil {
			resp.Body.Close()
			t.Errorf("production client: GET %s: got %s, want the connection refused", u, resp.Status)
		} else if !strings.Contains(err.Error(), "loopback address is not allowed") {
			t.Errorf("production client: GET %s: got %v, want a loopback refusal", u, err)
		}
	}
	dev := (&webhook.TargetPolicy{Development: true}).NewClient(5 * time.Second)
	resp, err := dev.Get(srv.URL)
	if err != nil {
		t.Fatalf("development client: %v", err)
	}
	resp.Body.Close()
}

// TestTargetPolicy_NoRedirects: a 3xx is the answer, not a hop to wherever it points.
func TestTargetPolicy_NoRedirects(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://169.254.169.254/latest/meta-data", http.StatusFound)
	}))
	defer srv.Close()
	resp, err := (&webhook.TargetPolicy{Development: true}).NewClient(5 * time.Second).Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Errorf("got %s, want the 302 itself", resp.Status)
	}
}
