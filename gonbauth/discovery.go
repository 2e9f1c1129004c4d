package gonbauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// metadata is the part of an authorization server's metadata (OpenID
// Connect Discovery 1.0, RFC 8414) that gonbauth uses.
type metadata struct {
	Issuer                      string   `json:"issuer"`
	AuthorizationEndpoint       string   `json:"authorization_endpoint"`
	TokenEndpoint               string   `json:"token_endpoint"`
	UserinfoEndpoint            string   `json:"userinfo_endpoint"`
	IDTokenSigningAlgs          []string `json:"id_token_signing_alg_values_supported"`
	RevocationEndpoint          string   `json:"revocation_endpoint"`
	DeviceAuthorizationEndpoint string   `json:"device_authorization_endpoint"`
	JWKSURI                     string   `json:"jwks_uri"`
	TokenEndpointAuthMethods    []string `json:"token_endpoint_auth_methods_supported"`
	ScopesSupported             []string `json:"scopes_supported"`
	CodeChallengeMethods        []string `json:"code_challenge_methods_supported"`
	// IssParameterSupported is RFC 9207's promise that every authorization
	// response carries iss; a response without it is then refused.
	IssParameterSupported bool `json:"authorization_response_iss_parameter_supported"`
}

// errNoMetadata means a well-known location had no document; the next one
// is tried.
var errNoMetadata = errors.New("no metadata document")

// discover fetches the issuer's metadata from the OpenID Connect location,
// falling back to the RFC 8414 one, and checks that it names the same
// issuer, as both specifications require (it stops a server from speaking
// for another).
func discover(ctx context.Context, client *http.Client, issuer string) (*metadata, error) {
	return discoverAccepting(ctx, client, issuer, nil)
}

// discoverAccepting is discover that also accepts a metadata issuer for
// which accepts returns true (see settings.acceptsIssuer).
func discoverAccepting(ctx context.Context, client *http.Client, issuer string, accepts func(string) bool) (*metadata, error) {
	var errs []error
	for _, loc := range metadataURLs(issuer) {
		md, err := fetchMetadata(ctx, client, loc)
		if errors.Is(err, errNoMetadata) {
			errs = append(errs, err)
			continue
		}
		if err != nil {
			return nil, err
		}
		if md.Issuer != issuer && (accepts == nil || !accepts(md.Issuer)) {
			return nil, &issuerMismatchError{loc: loc, got: printable(md.Issuer), want: issuer}
		}
		if md.AuthorizationEndpoint == "" || md.TokenEndpoint == "" {
			return nil, &incompleteMetadataError{loc: loc}
		}
		return md, nil
	}
	return nil, &noMetadataError{issuer: issuer, err: errors.Join(errs...)}
}

// metadataURLs lists the well-known locations for an issuer: OpenID
// Connect appends to the issuer's path, RFC 8414 inserts before it.
func metadataURLs(issuer string) []string {
	u, err := url.Parse(issuer)
	if err != nil {
		return nil
	}
	path := strings.TrimSuffix(u.Path, "/")
	oidc := *u
	oidc.Path = path + "/.well-known/openid-configuration"
	oauth := *u
	oauth.Path = "/.well-known/oauth-authorization-server" + path
	return []string{oidc.String(), oauth.String()}
}

func fetchMetadata(ctx context.Context, client *http.Client, loc string) (*metadata, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, loc, nil)
	if err != nil {
		return nil, fmt.Errorf("gonbauth: metadata request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("gonbauth: fetching the issuer's metadata: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
		return nil, fmt.Errorf("%w at %s (HTTP %d)", errNoMetadata, loc, resp.StatusCode)
	}
	var md metadata
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxResponseBytes)).Decode(&md); err != nil {
		return nil, fmt.Errorf("gonbauth: the metadata at %s is not valid JSON: %w", loc, fromOutside(err))
	}
	return &md, nil
}

// endpoints are the resolved URLs a flow talks to.
type endpoints struct {
	auth, token, revocation, jwks, userinfo, device string
	idTokenAlgs                                     []string
	issRequired                                     bool
	metadata                                        bool // from the issuer's metadata
	scopesSupported                                 []string

	// issuer is the issuer the server names itself (the metadata's,
	// which may differ from Config.Issuer by a trailing slash or be
	// Microsoft's {tenantid} template), or Config.Issuer.
	issuer      string
	authMethods []string // token_endpoint_auth_methods_supported
}

// resolveEndpoints merges explicit settings over the issuer's metadata. It
// fetches the metadata when an endpoint is missing, or to verify ID tokens
// (it holds the key set's URL).
func resolveEndpoints(ctx context.Context, s *settings) (*endpoints, error) {
	ep := &endpoints{auth: s.authURL, token: s.tokenURL, device: s.deviceURL, revocation: s.revocationURL, issuer: s.issuer}
	defer s.completeEndpoints(ep)
	explicit := ep.auth != "" && ep.token != ""
	if explicit && s.issuer == "" || explicit && !slices.Contains(s.scopes, "openid") && !s.needsMetadata() || s.prov.noDiscovery {
		return ep, nil
	}
	md, err := discoverAccepting(ctx, s.httpClient, s.issuer, s.acceptsIssuer)
	if err != nil {
		return nil, err
	}
	if len(md.CodeChallengeMethods) > 0 && !slices.Contains(md.CodeChallengeMethods, "S256") {
		return nil, fmt.Errorf("gonbauth: the server supports PKCE methods %s but not S256; gonbauth will not fall back to plain, which does not protect the code: ask the server's operator to enable S256", printableList(md.CodeChallengeMethods))
	}
	for _, e := range []struct {
		dst *string
		val string
	}{{&ep.auth, md.AuthorizationEndpoint}, {&ep.token, md.TokenEndpoint}, {&ep.revocation, md.RevocationEndpoint}, {&ep.jwks, md.JWKSURI}, {&ep.userinfo, md.UserinfoEndpoint}, {&ep.device, md.DeviceAuthorizationEndpoint}} {
		if *e.dst != "" || e.val == "" {
			continue
		}
		if err := checkEndpoint(e.val); err != nil {
			return nil, fmt.Errorf("gonbauth: the issuer's metadata gives an endpoint that %w", err)
		}
		*e.dst = e.val
	}
	ep.issuer, ep.authMethods = md.Issuer, md.TokenEndpointAuthMethods
	ep.issRequired = md.IssParameterSupported
	ep.scopesSupported = md.ScopesSupported
	ep.idTokenAlgs = md.IDTokenSigningAlgs
	ep.metadata = true
	return ep, nil
}
