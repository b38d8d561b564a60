// Package oidctest runs a real OpenID Connect provider in the test process
// (zitadel/oidc's provider package on a loopback port): discovery, keys,
// authorize, token and userinfo, with PKCE. Its sign-in page signs in
// whoever the test chose with SignInAs, at once, so a test (or a browser)
// follows the redirects without filling a form. For tests only: nothing in
// the production binary imports it.
package oidctest

import (
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"
)

// Person is an account at the provider.
type Person struct {
	Subject       string
	Email         string
	EmailVerified bool
	Name          string
	Groups        []string
}

// Provider is a running provider with one registered client.
type Provider struct {
	Issuer string
	srv    *http.Server
	mu     sync.Mutex
	people map[string]*Person
	next   string // subject the sign-in page signs in
	// wrongAudience makes ID tokens name another audience.
	wrongAudience bool
}

// Start serves a provider on a free loopback port for the client (id,
// secret) whose callback is redirectURI.
func Start(clientID, secret string, redirectURIs ...string) (*Provider, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Provider{Issuer: "http://" + ln.Addr().String(), people: map[string]*Person{}}
	st := &store{Storage: storage.NewStorageWithClients(users{p}, map[string]*storage.Client{
		clientID: storage.WebClient(clientID, secret, redirectURIs...),
	}), p: p}
	prov, err := op.NewProvider(&op.Config{CryptoKey: sha256.Sum256([]byte("oidctest")), CodeMethodS256: true, AuthMethodPost: true,
		SupportedUILocales: []language.Tag{language.English}}, st, op.StaticIssuer(p.Issuer), op.WithAllowInsecure(),
		op.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))) // a refused request is what tests ask for
	if err != nil {
		ln.Close()
		return nil, err
	}
	mux := http.NewServeMux()
	intercept := op.NewIssuerInterceptor(prov.IssuerFromRequest)
	mux.Handle("/login/username", intercept.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.URL.Query().Get("authRequestID")
		p.mu.Lock()
		who := p.next
		p.mu.Unlock()
		if err := st.CheckUsernamePassword(who, "pw", id); err != nil {
			http.Error(w, "oidctest: no one to sign in: "+err.Error(), http.StatusForbidden)
			return
		}
		http.Redirect(w, r, op.AuthCallbackURL(prov)(r.Context(), id), http.StatusFound)
	}))
	mux.Handle("/", prov)
	p.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = p.srv.Serve(ln) }()
	return p, nil
}

// Stop shuts the provider down (a test of "the provider is down" stops it).
func (p *Provider) Stop() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = p.srv.Shutdown(ctx)
}

// Add registers a person (or replaces one with the same subject).
func (p *Provider) Add(person Person) {
	p.mu.Lock()
	defer p.mu.Unlock()
	cp := person
	p.people[person.Subject] = &cp
}

// SignInAs chooses who the sign-in page signs in from now on.
func (p *Provider) SignInAs(subject string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.next = subject
}

// WrongAudience makes the ID tokens issued from now on name another
// client as their audience (on) or the requesting client (off).
func (p *Provider) WrongAudience(on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.wrongAudience = on
}

// users is the example storage's user store over the provider's people.
type users struct{ p *Provider }

func (u users) GetUserByID(id string) *storage.User { return u.GetUserByUsername(id) }

func (u users) GetUserByUsername(name string) *storage.User {
	u.p.mu.Lock()
	defer u.p.mu.Unlock()
	pp := u.p.people[name]
	if pp == nil {
		return nil
	}
	return &storage.User{ID: pp.Subject, Username: pp.Subject, Password: "pw", FirstName: pp.Name, Email: pp.Email,
		EmailVerified: pp.EmailVerified, PreferredLanguage: language.English}
}

func (u users) ExampleClientID() string { return "service" }

// store is the example's in-memory storage with what Entra ID does: the
// profile, e-mail and groups in the ID token.
type store struct {
	*storage.Storage
	p *Provider
}

func (s *store) GetClientByClientID(ctx context.Context, id string) (op.Client, error) {
	c, err := s.Storage.GetClientByClientID(ctx, id)
	if err != nil {
		return nil, err
	}
	return claimsInIDToken{c}, nil
}

type claimsInIDToken struct{ op.Client }

func (claimsInIDToken) IDTokenUserinfoClaimsAssertion() bool { return true }

func (s *store) SetUserinfoFromScopes(ctx context.Context, ui *oidc.UserInfo, userID, clientID string, scopes []string) error {
	u := users{s.p}.GetUserByID(userID)
	if u == nil {
		return errors.New("oidctest: no such person")
	}
	ui.Subject, ui.Email, ui.EmailVerified, ui.Name = u.ID, u.Email, oidc.Bool(u.EmailVerified), u.FirstName
	s.p.mu.Lock()
	groups := s.p.people[userID].Groups
	s.p.mu.Unlock()
	if len(groups) > 0 {
		ui.AppendClaims("groups", groups)
	}
	return nil
}

// SetUserinfoFromRequest would overwrite the claims set above with the
// example's own (a name with a trailing space when there is no last name).
func (s *store) SetUserinfoFromRequest(context.Context, *oidc.UserInfo, op.IDTokenRequest, []string) error {
	return nil
}

func (s *store) AuthRequestByCode(ctx context.Context, code string) (op.AuthRequest, error) {
	r, err := s.Storage.AuthRequestByCode(ctx, code)
	if err != nil {
		return nil, err
	}
	s.p.mu.Lock()
	wrong := s.p.wrongAudience
	s.p.mu.Unlock()
	if wrong {
		return otherAudience{r}, nil
	}
	return r, nil
}

type otherAudience struct{ op.AuthRequest }

// The provider adds the requesting client to every ID token's audience,
// so the request is made to look like another client's.
func (otherAudience) GetAudience() []string { return []string{"another-client"} }
func (otherAudience) GetClientID() string   { return "another-client" }
