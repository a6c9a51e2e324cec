// Package clitest is the differential-test harness the tools' tests share:
// run a command through Pacemaker's tool (the oracle) and through Pacer's on
// fresh copies of the same CIB file, and compare exit code, stdout, stderr
// and the resulting CIB (with the attributes either tool stamps with the
// clock or bumps left out). Tests skip when the oracle is not installed.
package clitest
