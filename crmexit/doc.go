// Package crmexit holds Pacemaker's tool exit codes (crm_exit_t), so every Pacer
// tool exits with the number a Pacemaker user or script already expects.
package crmexit
