module github.com/netloop/netloop/bench

go 1.26.8

replace github.com/netloop/netloop => ../

require (
	github.com/cloudwego/netpoll v0.7.2
	github.com/netloop/netloop v0.0.0-00010101000000-000000000000
	golang.org/x/sys v0.49.0
)

require (
	github.com/bytedance/gopkg v0.1.1 // indirect
	github.com/cloudwego/gopkg v0.1.4 // indirect
)
