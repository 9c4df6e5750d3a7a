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
