package gonbauth

import "syscall"

const ioctlReadTermios = syscall.TCGETS
