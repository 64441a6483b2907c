package app

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"

	"librecours/certificates"
)

// certificatesCommand runs "certificates verify" (offline, no database) and
// "certificates rotate-key".
func certificatesCommand(ctx context.Context, cfg Config, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return usageError{"certificates: expected 'verify' or 'rotate-key'"}
	}
	switch args[0] {
	case "verify":
		return verifyCommand(ctx, cfg, args[1:], stdout)
	case "rotate-key":
		var out struct {
			KID string `json:"kid"`
		}
		err := onPlatform(ctx, cfg, "certificates rotate-key", func(p *Platform) error {
			srv, err := NewServer(Deps{Config: cfg, Store: p.Store, Now: time.Now})
			if err != nil {
				return err
			}
			k, err := srv.certs.RotateKey(ctx)
			if err != nil {
				return err
			}
			out.KID = k.KID
			return nil
		}, func() error { return adminCall(ctx, cfg, "/rotate-key", struct{}{}, &out) })
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "new signing key %s; older public keys stay in /.well-known/jwks.json\n", out.KID)
		return nil
	}
	return usageError{"certificates: unknown command " + args[0]}
}

func verifyCommand(ctx context.Context, cfg Config, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("certificates verify", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	jwksFrom := fs.String("jwks", "", "URL or file of the issuer's JWKS (default: LIBRECOURS_BASE_URL/.well-known/jwks.json)")
	// Accept the file before or after the flags.
	var file string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		file, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return usageError{"certificates verify: " + err.Error()}
	}
	if file == "" && fs.NArg() > 0 {
		file = fs.Arg(0)
	}
	if file == "" {
		return usageError{"certificates verify: give the credential file (.jwt)"}
	}
	token, err := os.ReadFile(file) // #nosec G304 -- the file is the operator's command-line argument
	if err != nil {
		return err
	}
	if *jwksFrom == "" {
		*jwksFrom = cfg.BaseURL + "/.well-known/jwks.json"
	}
	jwks, err := loadJWKS(ctx, *jwksFrom)
	if err != nil {
		return fmt.Errorf("JWKS %s: %w", *jwksFrom, err)
	}
	vc, err := certificates.VerifyCredential(strings.TrimSpace(string(token)), jwks)
	if err != nil {
		return fmt.Errorf("INVALID: %w", err)
	}
	cred := vc.Credential
	fmt.Fprintf(stdout, "VALID: signed by %s (key %s, %s)\n", cred.Issuer.Name, vc.KeyID, vc.Algorithm)
	fmt.Fprintf(stdout, "  credential: %s\n  achievement: %s\n  valid from: %s\n", cred.ID, cred.CredentialSubject.Achievement.Name, cred.ValidFrom)
	fmt.Fprintln(stdout, "  (revocation is shown at the credential's verification URL)")
	return nil
}

func loadJWKS(ctx context.Context, from string) (jose.JSONWebKeySet, error) {
	var set jose.JSONWebKeySet
	var data []byte
	if strings.HasPrefix(from, "http://") || strings.HasPrefix(from, "https://") {
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		req, err := http.NewRequestWithContext(cctx, http.MethodGet, from, nil)
		if err != nil {
			return set, err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return set, err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return set, fmt.Errorf("status %d", resp.StatusCode)
		}
		if data, err = io.ReadAll(io.LimitReader(resp.Body, 1<<20)); err != nil {
			return set, err
		}
	} else {
		var err error
		if data, err = os.ReadFile(from); err != nil { // #nosec G304 -- the file is the operator's command-line argument
			return set, err
		}
	}
	if err := json.Unmarshal(data, &set); err != nil {
		return set, errors.New("not a JWKS document")
	}
	return set, nil
}
