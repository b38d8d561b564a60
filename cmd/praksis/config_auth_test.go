package main

import (
	"strings"
	"testing"

	"praksis/handlers"
)

func TestConfigMFADefault(t *testing.T) {
	c, err := loadConfig(env())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(c.MFARequiredRoles, ",") != "admin,adviser,nav" || len(c.OIDC) != 0 {
		t.Errorf("defaults: MFA %v, OIDC %v", c.MFARequiredRoles, c.OIDC)
	}
	c, err = loadConfig(env("MFA_REQUIRED_ROLES", "none"))
	if err != nil || len(c.MFARequiredRoles) != 0 {
		t.Errorf("none: %v %v", c.MFARequiredRoles, err)
	}
}

func TestConfigOIDCProviders(t *testing.T) {
	c, err := loadConfig(env(
		"OIDC_PROVIDERS", "entra, idporten",
		"OIDC_ENTRA_ISSUER", "https://login.microsoftonline.com/tenant/v2.0/", "OIDC_ENTRA_CLIENT_ID", "app-1",
		"OIDC_ENTRA_CLIENT_SECRET", "s3cret", "OIDC_ENTRA_LABEL", "Kommunens konto", "OIDC_ENTRA_TRUST_EMAIL", "true",
		"OIDC_ENTRA_ROLE_MAP", "g-adv:adviser, g-nav:nav,g-adm:admin", "OIDC_ENTRA_PASSWORD_ALLOWED", "false",
		"OIDC_IDPORTEN_ISSUER", "https://idporten.no", "OIDC_IDPORTEN_CLIENT_ID", "c2", "OIDC_IDPORTEN_CLIENT_SECRET", "x",
		"OIDC_IDPORTEN_AUDIENCE", "employers", "MFA_REQUIRED_ROLES", "admin",
	))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.OIDC) != 2 {
		t.Fatalf("providers: %+v", c.OIDC)
	}
	e, id := c.OIDC[0], c.OIDC[1]
	if e.Name != "entra" || e.Issuer != "https://login.microsoftonline.com/tenant/v2.0" || e.ClientID != "app-1" || e.ClientSecret != "s3cret" ||
		e.Label != "Kommunens konto" || !e.TrustEmail || e.PasswordAllowed || e.Audience != handlers.AudienceStaff ||
		e.RoleMap["g-adv"] != "adviser" || e.RoleMap["g-nav"] != "nav" || e.RoleMap["g-adm"] != "admin" || e.EmailClaim != "email" || e.RoleClaim != "groups" {
		t.Errorf("entra: %+v", e)
	}
	if id.Audience != handlers.AudienceEmployers || id.Label != "idporten" || !id.PasswordAllowed || id.TrustEmail {
		t.Errorf("idporten: %+v", id)
	}
	if strings.Join(c.MFARequiredRoles, ",") != "admin" {
		t.Errorf("MFA roles: %v", c.MFARequiredRoles)
	}
}

// Production refuses an http issuer, a missing secret and unknown roles,
// every problem in the one message.
func TestConfigOIDCRefused(t *testing.T) {
	_, err := loadConfig(env(
		"APP_ENV", "production", "BASE_URL", "https://p.kommune.no", "SECRET_KEY", goodSecret,
		"OIDC_PROVIDERS", "entra,Bad!,idporten", "OIDC_ENTRA_ISSUER", "http://idp.kommune.no", "OIDC_ENTRA_CLIENT_ID", "a",
		"OIDC_ENTRA_ROLE_MAP", "g1:adviser,g2:superuser", "OIDC_ENTRA_AUDIENCE", "staff",
		"OIDC_IDPORTEN_CLIENT_ID", "b", "OIDC_IDPORTEN_CLIENT_SECRET", "x", "OIDC_IDPORTEN_AUDIENCE", "citizens",
		"MFA_REQUIRED_ROLES", "admin,boss", "SECRET_KEY_PREVIOUS", "short",
	))
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{
		"OIDC_ENTRA_ISSUER must be https in production", "OIDC_ENTRA_CLIENT_SECRET is required in production",
		`OIDC_ENTRA_ROLE_MAP entry "g2:superuser"`, `OIDC_PROVIDERS: "bad!"`, "OIDC_IDPORTEN_ISSUER is required",
		`OIDC_IDPORTEN_AUDIENCE="citizens"`, `MFA_REQUIRED_ROLES names "boss"`, "SECRET_KEY_PREVIOUS must be at least 32",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message lacks %q:\n%v", want, err)
		}
	}
	if strings.Count(err.Error(), "configuration:") != 1 {
		t.Errorf("not one message: %v", err)
	}
	// Development accepts an http issuer and a public client (PKCE only).
	if _, err := loadConfig(env("OIDC_PROVIDERS", "dev", "OIDC_DEV_ISSUER", "http://127.0.0.1:9998", "OIDC_DEV_CLIENT_ID", "c")); err != nil {
		t.Errorf("development: %v", err)
	}
}

// The demo accounts are exempt from MFA_REQUIRED_ROLES in development only.
func TestMFAExemptDemoAccounts(t *testing.T) {
	dev, err := loadConfig(env())
	if err != nil {
		t.Fatal(err)
	}
	if got := mfaExempt(dev); len(got) != 4 || !strings.Contains(strings.Join(got, ","), "admin@example.org") {
		t.Errorf("development exempts %v", got)
	}
	prod, _ := loadConfig(env("APP_ENV", "production", "BASE_URL", "https://p.no", "SECRET_KEY", goodSecret))
	if got := mfaExempt(prod); len(got) != 0 {
		t.Errorf("production exempts %v", got)
	}
}
