package crmexit

import (
	"errors"
	"fmt"
)

// Code is a Pacemaker exit status.
type Code int

// Pacemaker 2.1's exit codes, with its names.
const (
	OK               Code = 0
	Err              Code = 1
	InvalidParam     Code = 2
	Unimplemented    Code = 3
	InsufficientPriv Code = 4
	NotInstalled     Code = 5
	NotConfigured    Code = 6
	NotRunning       Code = 7
	Promoted         Code = 8
	Failed           Code = 9
	Usage            Code = 64
	DataErr          Code = 65
	NoInput          Code = 66
	NoUser           Code = 67
	NoHost           Code = 68
	Unavailable      Code = 69
	Software         Code = 70
	OSErr            Code = 71
	OSFile           Code = 72
	CantCreate       Code = 73
	IOErr            Code = 74
	TempFail         Code = 75
	Protocol         Code = 76
	NoPerm           Code = 77
	Config           Code = 78
	Fatal            Code = 100
	Panic            Code = 101
	Disconnect       Code = 102
	Old              Code = 103
	Digest           Code = 104
	NoSuch           Code = 105
	Quorum           Code = 106
	Unsafe           Code = 107
	Exists           Code = 108
	Multiple         Code = 109
	Expired          Code = 110
	NotYetInEffect   Code = 111
	Indeterminate    Code = 112
	Unsatisfied      Code = 113
	Timeout          Code = 124
)

var names = map[Code]string{
	OK: "OK", Err: "Error occurred", InvalidParam: "Invalid parameter",
	Unimplemented: "Unimplemented", InsufficientPriv: "Insufficient privileges",
	NotInstalled: "Not installed", NotConfigured: "Not configured", NotRunning: "Not running",
	Promoted: "Promoted", Failed: "Failed in promoted role", Usage: "Incorrect usage",
	DataErr: "Invalid data given", NoInput: "Input file not available",
	NoUser: "User does not exist", NoHost: "Host does not exist",
	Unavailable: "Necessary service unavailable", Software: "Internal software bug",
	OSErr: "Operating system error occurred", OSFile: "System file not available",
	CantCreate: "Cannot create output file", IOErr: "I/O error occurred",
	TempFail: "Temporary failure, try again", Protocol: "Protocol violated",
	NoPerm: "Insufficient privileges", Config: "Invalid configuration",
	Fatal: "Fatal error occurred, will not respawn", Panic: "System panic required",
	Disconnect: "Not connected", Old: "Update was older than existing configuration",
	Digest: "Digest mismatch", NoSuch: "No such object", Quorum: "Quorum required",
	Unsafe: "Operation not safe", Exists: "Requested item already exists",
	Multiple: "Multiple items match request", Expired: "Requested item has expired",
	NotYetInEffect: "Requested item is not yet in effect",
	Indeterminate:  "Could not determine status", Unsatisfied: "Not applicable under current conditions",
	Timeout: "Timeout occurred",
}

// String is Pacemaker's description of the code (crm_exit_str).
func (c Code) String() string {
	if s, ok := names[c]; ok {
		return s
	}
	return fmt.Sprintf("Unknown exit status %d", int(c))
}

// Error is an error that carries the exit code a tool should end with.
type Error struct {
	Code Code
	Err  error
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// New returns an error with a code and a formatted message.
func New(code Code, format string, args ...any) error {
	return &Error{Code: code, Err: fmt.Errorf(format, args...)}
}

// Wrap attaches a code to err (nil stays nil).
func Wrap(code Code, err error) error {
	if err == nil {
		return nil
	}
	return &Error{Code: code, Err: err}
}

// Of returns the exit code carried by err: OK for nil, Err when none is attached.
func Of(err error) Code {
	if err == nil {
		return OK
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Err
}
