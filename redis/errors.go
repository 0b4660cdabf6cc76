package redis

import "errors"

// ErrConfig wraps every invalid Config value and CONFIG SET argument.
var ErrConfig = errors.New("redis: invalid configuration")
