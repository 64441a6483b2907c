package cli

import (
	"context"
	"fmt"
	"io"
	"librecours/app/cli/verify"

	"librecours/app"
	"librecours/app/config"
)

// certificatesCommand runs "certificates verify" (offline, no database) and
// "certificates rotate-key".
func certificatesCommand(ctx context.Context, cfg config.Config, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return usageError{"certificates: expected 'verify' or 'rotate-key'"}
	}
	switch args[0] {
	case "verify":
		return verify.Run(ctx, cfg.BaseURL, args[1:], stdout)
	case "rotate-key":
		var out struct {
			KID string `json:"kid"`
		}
		err := onPlatform(ctx, cfg, "certificates rotate-key", func(p *app.Platform) error {
			k, err := p.Certificates.RotateKey(ctx)
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
