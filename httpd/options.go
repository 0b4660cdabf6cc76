package httpd

import (
	"fmt"
	"log/slog"
	"time"
)

// Options configure a Server. Start from the defaults with the With*
// functions; each field's doc gives its default. The limits bound what one
// connection can make the server buffer: about MaxURIBytes +
// MaxHeaderBytes + MaxBodyBytes (a chunked body's framing aside).
type Options struct {
	// MaxURIBytes bounds the request-target; a longer one is answered
	// 414 URI Too Long. Default 8 KiB.
	MaxURIBytes int
	// MaxHeaderBytes bounds the header section (the field lines after
	// the request line, with their line ends), and separately a chunked
	// body's trailer section; a longer one is answered 431 Request Header
	// Fields Too Large. Default 16 KiB.
	MaxHeaderBytes int
	// MaxHeaderCount bounds the number of header (and trailer) fields;
	// more is answered 431. Default 100.
	MaxHeaderCount int
	// MaxBodyBytes bounds a request body (after chunked decoding); a
	// longer one is answered 413 Content Too Large, as soon as its
	// Content-Length or a chunk size announces it. Default 4 MiB. The
	// native API buffers a body whole, unless a StreamHandler takes it as
	// a stream (then MaxStreamedBodyBytes bounds it); NewStd's handlers
	// read one that does not arrive with its head as a stream, so for
	// them the bound is a policy, not a memory cost (once the handler
	// runs, a chunked body that outgrows it fails its reads instead of
	// being answered 413).
	MaxBodyBytes int64
	// MaxStreamedBodyBytes bounds a body that a native StreamHandler
	// takes as a stream (a BodyReceiver): it costs the server no memory,
	// so its bound is a policy, larger than MaxBodyBytes by default. A
	// longer body is answered 413 as MaxBodyBytes's is, and the receiver's
	// AbortBody is told. Default 1 GiB; a receiver can refuse less (its
	// ReceiveBody returns an error).
	MaxStreamedBodyBytes int64

	// ReadHeaderTimeout bounds the time to receive a whole request head,
	// counted from the head's first byte (from the accept, for a
	// connection's first request). It is a total bound, not a per-read
	// one, so a client that sends one byte at a time cannot hold a
	// connection open (slowloris): it is answered 408 Request Timeout
	// when its next byte comes late, and closed when none comes.
	// Default 10 s; 0 disables it.
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds the time to receive a whole request, body
	// included, counted like ReadHeaderTimeout. Default 0 (off).
	ReadTimeout time.Duration
	// IdleTimeout closes a connection that has neither received nor sent
	// anything for this long while no request is being served: the
	// keep-alive timeout between requests. Default 60 s; 0 disables it.
	IdleTimeout time.Duration

	// StreamWindow bounds what the net/http adapter buffers for a
	// handler that reads or writes a stream: the bytes of a streamed
	// request body (or of a hijacked connection's input) held ahead of
	// the handler before the server stops reading, and the bytes a
	// hijacked connection's writes may have on their way before a Write
	// waits. Default 256 KiB.
	StreamWindow int

	// Workers and QueueLen size the worker pool that runs net/http
	// handlers (NewStd): at most Workers handlers run at once, QueueLen
	// more requests wait, and a request beyond that is answered 503
	// Service Unavailable. Defaults 1024 and 4096.
	Workers  int
	QueueLen int

	// ServerName, if set, is sent in a Server field with every response.
	// Default none.
	ServerName string
	// Logger receives the server's logs (a net/http handler's panic, for
	// one). Default slog.Default().
	Logger *slog.Logger
}

// Option changes one field of Options.
type Option func(*Options)

func defaultOptions() Options {
	return Options{
		MaxURIBytes:          8 << 10,
		MaxHeaderBytes:       16 << 10,
		MaxHeaderCount:       100,
		MaxBodyBytes:         4 << 20,
		MaxStreamedBodyBytes: 1 << 30,
		ReadHeaderTimeout:    10 * time.Second,
		IdleTimeout:          60 * time.Second,
		StreamWindow:         256 << 10,
		Workers:              1024,
		QueueLen:             4096,
	}
}

func buildOptions(opts []Option) (Options, error) {
	o := defaultOptions()
	for _, opt := range opts {
		opt(&o)
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o, o.validate()
}

// maxMethod bounds a method name; a longer one is answered 501, as RFC
// 9112 section 3 suggests for methods longer than any implemented.
const maxMethod = 64

func (o *Options) validate() error {
	switch {
	case o.MaxURIBytes < 16 || o.MaxURIBytes > 1<<20:
		return fmt.Errorf("%w: MaxURIBytes %d is outside 16 B .. 1 MiB", ErrInvalidOption, o.MaxURIBytes)
	case o.MaxHeaderBytes < 64 || o.MaxHeaderBytes > 16<<20:
		return fmt.Errorf("%w: MaxHeaderBytes %d is outside 64 B .. 16 MiB", ErrInvalidOption, o.MaxHeaderBytes)
	case o.MaxHeaderCount < 1 || o.MaxHeaderCount > 10000:
		return fmt.Errorf("%w: MaxHeaderCount %d is outside 1 .. 10000", ErrInvalidOption, o.MaxHeaderCount)
	case o.MaxBodyBytes < 0 || o.MaxBodyBytes > 1<<40:
		return fmt.Errorf("%w: MaxBodyBytes %d is outside 0 .. 1 TiB", ErrInvalidOption, o.MaxBodyBytes)
	case o.MaxStreamedBodyBytes < 0 || o.MaxStreamedBodyBytes > 1<<50:
		return fmt.Errorf("%w: MaxStreamedBodyBytes %d is outside 0 .. 1 PiB", ErrInvalidOption, o.MaxStreamedBodyBytes)
	case o.ReadHeaderTimeout < 0 || o.ReadTimeout < 0 || o.IdleTimeout < 0:
		return fmt.Errorf("%w: negative timeout", ErrInvalidOption)
	case o.StreamWindow < 4<<10 || o.StreamWindow > 1<<30:
		return fmt.Errorf("%w: StreamWindow %d is outside 4 KiB .. 1 GiB", ErrInvalidOption, o.StreamWindow)
	case o.Workers < 1 || o.QueueLen < 0:
		return fmt.Errorf("%w: Workers %d must be positive and QueueLen %d not negative", ErrInvalidOption, o.Workers, o.QueueLen)
	}
	for i := 0; i < len(o.ServerName); i++ {
		if class[o.ServerName[i]]&isFieldByte == 0 {
			return fmt.Errorf("%w: ServerName %q holds a control character", ErrInvalidOption, o.ServerName)
		}
	}
	return nil
}

// WithOptions replaces all options with o (fields left zero get zero, not
// the defaults; a zero limit is refused).
func WithOptions(o Options) Option { return func(p *Options) { *p = o } }

// WithMaxURIBytes bounds the request-target (414 beyond).
func WithMaxURIBytes(n int) Option { return func(o *Options) { o.MaxURIBytes = n } }

// WithMaxHeaderBytes bounds the header section (431 beyond).
func WithMaxHeaderBytes(n int) Option { return func(o *Options) { o.MaxHeaderBytes = n } }

// WithMaxHeaderCount bounds the number of header fields (431 beyond).
func WithMaxHeaderCount(n int) Option { return func(o *Options) { o.MaxHeaderCount = n } }

// WithMaxBodyBytes bounds a request body (413 beyond).
func WithMaxBodyBytes(n int64) Option { return func(o *Options) { o.MaxBodyBytes = n } }

// WithMaxStreamedBodyBytes bounds a body a BodyReceiver takes (413
// beyond).
func WithMaxStreamedBodyBytes(n int64) Option {
	return func(o *Options) { o.MaxStreamedBodyBytes = n }
}

// WithReadHeaderTimeout bounds the time to receive a request head, in
// total (408 when exceeded).
func WithReadHeaderTimeout(d time.Duration) Option {
	return func(o *Options) { o.ReadHeaderTimeout = d }
}

// WithReadTimeout bounds the time to receive a whole request, in total.
func WithReadTimeout(d time.Duration) Option { return func(o *Options) { o.ReadTimeout = d } }

// WithIdleTimeout sets the keep-alive timeout between requests.
func WithIdleTimeout(d time.Duration) Option { return func(o *Options) { o.IdleTimeout = d } }

// WithStreamWindow sets Options.StreamWindow.
func WithStreamWindow(n int) Option { return func(o *Options) { o.StreamWindow = n } }

// WithWorkers sizes the worker pool that runs net/http handlers.
func WithWorkers(workers, queueLen int) Option {
	return func(o *Options) { o.Workers, o.QueueLen = workers, queueLen }
}

// WithServerName sends a Server field with every response.
func WithServerName(name string) Option { return func(o *Options) { o.ServerName = name } }

// WithLogger sets the server's logger.
func WithLogger(l *slog.Logger) Option { return func(o *Options) { o.Logger = l } }
