package handlers

import "praksis/db"

// Audiences an OpenID Connect provider serves: municipal staff (advisers,
// NAV, admins; usually Microsoft Entra ID) or employers (ID-porten).
const (
	AudienceStaff     = "staff"
	AudienceEmployers = "employers"
)

// OIDCProvider is one configured OpenID Connect provider (OIDC_<NAME>_*).
type OIDCProvider struct {
	// Name is the short lower-case name in OIDC_PROVIDERS; it is part of
	// the callback address /login/oidc/<name>/callback.
	Name         string
	Label        string // the button text ("Sign in with <Label>")
	Issuer       string
	ClientID     string
	ClientSecret string
	Audience     string   // AudienceStaff or AudienceEmployers
	Scopes       []string // besides openid
	// EmailClaim carries the person's e-mail; TrustEmail accepts it
	// without an email_verified claim (Entra ID sends none, and a
	// tenant's addresses are its own).
	EmailClaim string
	TrustEmail bool
	// RoleClaim holds the group or role values; RoleMap maps a value to a
	// Praksis role (staff providers only).
	RoleClaim string
	RoleMap   map[string]string
	// PasswordAllowed false means the accounts of this audience may not
	// sign in with a password any more: the provider is their only way in.
	PasswordAllowed bool
}

// audienceRoles are the Praksis roles an audience's people have.
func audienceRoles(audience string) []string {
	if audience == AudienceEmployers {
		return []string{db.RoleEmployer}
	}
	return []string{db.RoleAdviser, db.RoleNAV, db.RoleAdmin}
}
