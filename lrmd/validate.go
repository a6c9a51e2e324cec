package lrmd

import (
	"context"
	"fmt"
)

// Validate checks a request's parameters against the agent's meta-data
// (every required parameter set, no unknown ones) without running the
// agent's validate-all. It returns one message per problem; an agent whose
// meta-data cannot be read gives that error.
func (e *Executor) Validate(ctx context.Context, req Request) ([]string, error) {
	md, err := e.Metadata(ctx, req.Class, req.Provider, req.Type)
	if err != nil {
		return nil, err
	}
	probs := md.Validate(req.Params)
	known := map[string]bool{"OCF_CHECK_LEVEL": true}
	for _, p := range md.Parameters {
		known[p.Name] = true
	}
	for _, k := range sortedMapKeys(req.Params) {
		if !known[k] {
			probs = append(probs, fmt.Sprintf("parameter %q is not in the agent's meta-data", k))
		}
	}
	return probs, nil
}

// WithDefaults returns params completed with the defaults the agent's
// meta-data declares for parameters that are not set.
func (e *Executor) WithDefaults(ctx context.Context, class, provider, typ string, params map[string]string) (map[string]string, error) {
	md, err := e.Metadata(ctx, class, provider, typ)
	if err != nil {
		return nil, err
	}
	out := md.Defaults()
	for k, v := range params {
		out[k] = v
	}
	return out, nil
}

// DefaultTimeoutMS is the timeout the agent advertises for an action (and
// interval, for monitors), or Options.DefaultTimeoutMS when it advertises
// none.
func (e *Executor) DefaultTimeoutMS(ctx context.Context, class, provider, typ, action string, intervalMS uint64) uint64 {
	if md, err := e.Metadata(ctx, class, provider, typ); err == nil {
		if t := md.ActionTimeout(action, intervalMS); t > 0 {
			return t
		}
	}
	return e.opts.DefaultTimeoutMS
}
