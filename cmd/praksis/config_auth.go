package main

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"praksis/db"
	"praksis/handlers"
)

// providerName is what OIDC_PROVIDERS may list: it becomes part of the
// environment names and of the callback address.
var providerName = regexp.MustCompile(`^[a-z][a-z0-9]{0,19}$`)

// staffRoles are the roles a staff provider's ROLE_MAP may name.
var staffRoles = []string{db.RoleAdviser, db.RoleNAV, db.RoleAdmin}

// loadAuthConfig reads MFA_REQUIRED_ROLES and the OIDC_* settings of each
// provider in OIDC_PROVIDERS, adding what is wrong to problems.
func loadAuthConfig(c *Config, getenv func(string) string, problems *[]string) {
	bad := func(format string, args ...any) { *problems = append(*problems, fmt.Sprintf(format, args...)) }
	// "none" turns the requirement off (an empty variable is the default,
	// as everywhere else in the configuration).
	mfa := strings.ToLower(strings.TrimSpace(getenv("MFA_REQUIRED_ROLES")))
	switch mfa {
	case "":
		mfa = "admin,adviser,nav"
	case "none":
		mfa = ""
	}
	c.MFARequiredRoles = nil
	for _, r := range splitList(mfa) {
		if !handlers.Contains(db.Roles, r) {
			bad("MFA_REQUIRED_ROLES names %q, which is not a role (%s)", r, strings.Join(db.Roles, ", "))
			continue
		}
		c.MFARequiredRoles = append(c.MFARequiredRoles, r)
	}
	c.SecretKeyPrevious = strings.TrimSpace(getenv("SECRET_KEY_PREVIOUS"))
	if c.SecretKeyPrevious != "" && len(c.SecretKeyPrevious) < 32 {
		bad("SECRET_KEY_PREVIOUS must be at least 32 characters")
	}
	seen := map[string]bool{}
	for _, name := range splitList(strings.ToLower(getenv("OIDC_PROVIDERS"))) {
		if !providerName.MatchString(name) {
			bad("OIDC_PROVIDERS: %q must be lower-case letters and digits, starting with a letter", name)
			continue
		}
		if seen[name] {
			bad("OIDC_PROVIDERS names %q twice", name)
			continue
		}
		seen[name] = true
		c.OIDC = append(c.OIDC, loadProvider(name, getenv, c.Production(), bad))
	}
}

// loadProvider reads OIDC_<NAME>_* (README, "Turning on single sign-on").
func loadProvider(name string, getenv func(string) string, production bool, bad func(string, ...any)) handlers.OIDCProvider {
	key := "OIDC_" + strings.ToUpper(name) + "_"
	get := func(k, def string) string {
		if v := strings.TrimSpace(getenv(key + k)); v != "" {
			return v
		}
		return def
	}
	flag := func(k string, def bool) bool {
		switch v := strings.ToLower(get(k, "")); v {
		case "":
			return def
		case "true", "1", "yes":
			return true
		case "false", "0", "no":
			return false
		default:
			bad("%s%s=%q must be true or false", key, k, v)
			return def
		}
	}
	p := handlers.OIDCProvider{
		Name: name, Label: get("LABEL", name), Issuer: strings.TrimRight(get("ISSUER", ""), "/"),
		ClientID: get("CLIENT_ID", ""), ClientSecret: get("CLIENT_SECRET", ""),
		Audience: get("AUDIENCE", handlers.AudienceStaff), Scopes: splitList(strings.ReplaceAll(get("SCOPES", "email,profile"), " ", ",")),
		EmailClaim: get("EMAIL_CLAIM", "email"), TrustEmail: flag("TRUST_EMAIL", false),
		RoleClaim: get("ROLE_CLAIM", "groups"), PasswordAllowed: flag("PASSWORD_ALLOWED", true),
	}
	u, err := url.Parse(p.Issuer)
	switch {
	case p.Issuer == "":
		bad("%sISSUER is required", key)
	case err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "":
		bad("%sISSUER=%q must be an absolute URL", key, p.Issuer)
	case production && u.Scheme != "https":
		bad("%sISSUER must be https in production", key)
	}
	if p.ClientID == "" {
		bad("%sCLIENT_ID is required", key)
	}
	if production && p.ClientSecret == "" {
		bad("%sCLIENT_SECRET is required in production", key)
	}
	if p.Audience != handlers.AudienceStaff && p.Audience != handlers.AudienceEmployers {
		bad("%sAUDIENCE=%q must be staff or employers", key, p.Audience)
	}
	p.RoleMap = map[string]string{}
	for _, pair := range splitList(get("ROLE_MAP", "")) {
		value, role, ok := strings.Cut(pair, ":")
		value, role = strings.TrimSpace(value), strings.TrimSpace(role)
		if !ok || value == "" || !handlers.Contains(staffRoles, role) {
			bad("%sROLE_MAP entry %q must be value:role with role one of %s", key, pair, strings.Join(staffRoles, ", "))
			continue
		}
		p.RoleMap[value] = role
	}
	if p.Audience == handlers.AudienceEmployers && len(p.RoleMap) > 0 {
		bad("%sROLE_MAP is for staff providers: employers are linked by invitation", key)
	}
	return p
}

// splitList splits a comma-separated list, dropping blanks.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// mfaExempt are the accounts MFA_REQUIRED_ROLES does not apply to: in
// development the demo accounts, so `make run` lets a newcomer sign in as
// each of them with the demo password alone (production refuses demo data).
func mfaExempt(c Config) []string {
	if c.Production() {
		return nil
	}
	out := make([]string, len(db.DemoAccounts))
	for i, a := range db.DemoAccounts {
		out[i] = a.Email
	}
	return out
}
