//go:build !linux

package loadgen

import (
	"context"
	"io"
)

// Run is only implemented on Linux. Elsewhere it validates cfg and then
// returns ErrUnsupported.
func Run(ctx context.Context, cfg Config, progress io.Writer) (*Result, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return nil, ErrUnsupported
}
