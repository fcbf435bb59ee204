# version.mk: the release version, read from lifeguard.control, the one
# place it is written.  Included by the top Makefile (EXTVERSION, the
# install script's name) and by client/Makefile (pkg-config's Version and
# the generated client/lifeguard_version.h).

LG_CONTROL := $(dir $(lastword $(MAKEFILE_LIST)))lifeguard.control
LG_VERSION := $(shell sed -n "s/^default_version *= *'\(.*\)'/\1/p" $(LG_CONTROL))

ifeq ($(LG_VERSION),)
$(error no default_version in $(LG_CONTROL))
endif
