# Run by `cmake --install` (install(SCRIPT) in CMakeLists.txt): installs the files that
# name other installed paths, written for the prefix being installed to rather than the
# one configured, so `cmake --install build --prefix P` gives a tree whose parts find
# each other: the unit's ExecStart= is P's lanud and names P's lanud.conf, which names
# P's plan and state directory.
#
#   prefix /usr or /   configuration in /etc/lanu, state in /var/lib/lanu
#   prefix /opt/NAME   /etc/opt/NAME/lanu, /var/opt/NAME/lib/lanu
#   any other P        P/etc/lanu, P/var/lib/lanu
#
# (GNUInstallDirs' rules, which it applies at configure time only.) Absolute
# CMAKE_INSTALL_SYSCONFDIR and _LOCALSTATEDIR (as a Debian build passes) are used as they
# are. The ipc:// sockets are always in /run/lanu: the unit's RuntimeDirectory=, which
# systemd makes (and empties) on a tmpfs; nothing is installed there.
#
# CMakeLists.txt sets LANU_SOURCE_DIR, LANU_BINARY_DIR and the relative (or absolute)
# directories LANU_SBINDIR_REL, LANU_SYSCONFDIR_REL, LANU_LOCALSTATEDIR_REL,
# LANU_DOCDIR_REL, LANU_UNITDIR_REL before this runs. file(INSTALL) adds $DESTDIR.

# The absolute directory for DIR (a GNUInstallDirs value) under the prefix installed to.
# ETC_OR_VAR: the rules above for /usr, / and /opt apply (sysconfdir, localstatedir).
function(lanu_install_dir ret dir etc_or_var)
	set(prefix "${CMAKE_INSTALL_PREFIX}")
	string(REGEX REPLACE "/+$" "" prefix "${prefix}")
	if(IS_ABSOLUTE "${dir}")
		set(full "${dir}")
	elseif(etc_or_var AND (prefix STREQUAL "" OR prefix STREQUAL "/usr"))
		set(full "/${dir}")
	elseif(etc_or_var AND prefix MATCHES "^/opt/")
		set(full "/${dir}${prefix}")
	else()
		set(full "${prefix}/${dir}")
	endif()
	set(${ret} "${full}" PARENT_SCOPE)
endfunction()

lanu_install_dir(LANU_SBINDIR "${LANU_SBINDIR_REL}" FALSE)
lanu_install_dir(LANU_BINDIR "${LANU_BINDIR_REL}" FALSE)
lanu_install_dir(LANU_DOCDIR "${LANU_DOCDIR_REL}" FALSE)
lanu_install_dir(LANU_UNITDIR "${LANU_UNITDIR_REL}" FALSE)
lanu_install_dir(sysconfdir "${LANU_SYSCONFDIR_REL}" TRUE)
lanu_install_dir(localstatedir "${LANU_LOCALSTATEDIR_REL}" TRUE)
set(LANU_CONFDIR "${sysconfdir}/lanu")
set(LANU_STATEDIR "${localstatedir}/lib/lanu")
set(LANU_BACKUPDIR "${localstatedir}/backups/lanu")

# The unit's lines for its state and configuration directories: systemd makes those under
# /var/lib and /etc itself (StateDirectory=, ConfigurationDirectory=); elsewhere the
# tmpfiles snippet makes them and ReadWritePaths= lets lanud write its state.
if(LANU_STATEDIR STREQUAL "/var/lib/lanu")
	set(LANU_UNIT_STATE "StateDirectory=lanu\nStateDirectoryMode=0700")
else()
	string(CONCAT LANU_UNIT_STATE
		"# Outside /var/lib: made by lanud's tmpfiles.d snippet (0700 lanu:lanu).\n"
		"ReadWritePaths=${LANU_STATEDIR}")
endif()
if(LANU_CONFDIR STREQUAL "/etc/lanu")
	string(CONCAT LANU_UNIT_CONF
		"# systemd never changes an existing configuration directory; the mode matches\n"
		"# lanud's tmpfiles.d snippet (0750 root:lanu) to keep it from warning.\n"
		"ConfigurationDirectory=lanu\nConfigurationDirectoryMode=0750")
else()
	set(LANU_UNIT_CONF "# Outside /etc: made by lanud's tmpfiles.d snippet (0750 root:lanu).")
endif()

set(out "${LANU_BINARY_DIR}/lanu-install")
file(MAKE_DIRECTORY "${out}")
configure_file("${LANU_SOURCE_DIR}/systemd/lanud.service.in" "${out}/lanud.service" @ONLY)
configure_file("${LANU_SOURCE_DIR}/systemd/lanu-backup.service.in" "${out}/lanu-backup.service"
	@ONLY)
configure_file("${LANU_SOURCE_DIR}/systemd/lanu-notify.service.in" "${out}/lanu-notify.service"
	@ONLY)
configure_file("${LANU_SOURCE_DIR}/systemd/lanud.tmpfiles.in" "${out}/tmpfiles/lanud.conf" @ONLY)
configure_file("${LANU_SOURCE_DIR}/systemd/lanud.sysusers.in" "${out}/sysusers/lanud.conf" @ONLY)

# The installed configuration is the example with the unit's directories in place of
# ./var: sockets in /run/lanu (RuntimeDirectory=), state in LANU_STATEDIR, the plan
# installed beside it. Each replacement must match, or the example has changed under us.
file(READ "${LANU_SOURCE_DIR}/examples/lanud.conf" conf)
foreach(pair
		"for `make run`: everything under ./var, nothing|for the systemd unit: sockets in /run/lanu,\n# state in ${LANU_STATEDIR}, nothing"
		"See docs/configuration.md for every setting.|See lanud.conf(5) and ${LANU_DOCDIR}/docs/configuration.md\n# for every setting."
		"ipc://var/lanud.sock|ipc:///run/lanu/lanud.sock"
		"ipc://var/lanud-pub.sock|ipc:///run/lanu/lanud-pub.sock"
		"state-dir  var/state|state-dir  ${LANU_STATEDIR}"
		"plan       examples/plans/seinajoki-2022-2025.yaml|plan       ${LANU_CONFDIR}/plan.yaml"
		"backup-dir var/backups|backup-dir ${LANU_BACKUPDIR}")
	string(FIND "${pair}" "|" bar)
	string(SUBSTRING "${pair}" 0 ${bar} from)
	math(EXPR bar "${bar} + 1")
	string(SUBSTRING "${pair}" ${bar} -1 to)
	string(FIND "${conf}" "${from}" at)
	if(at EQUAL -1)
		message(FATAL_ERROR "lanu-install: examples/lanud.conf has no '${from}' to replace")
	endif()
	string(REPLACE "${from}" "${to}" conf "${conf}")
endforeach()
file(WRITE "${out}/lanud.conf" "${conf}")

file(INSTALL "${out}/lanud.service" "${out}/lanu-backup.service" "${out}/lanu-notify.service"
	"${LANU_SOURCE_DIR}/systemd/lanu-backup.timer" DESTINATION "${LANU_UNITDIR}")
file(INSTALL "${out}/tmpfiles/lanud.conf" DESTINATION "${CMAKE_INSTALL_PREFIX}/lib/tmpfiles.d")
file(INSTALL "${out}/sysusers/lanud.conf" DESTINATION "${CMAKE_INSTALL_PREFIX}/lib/sysusers.d")
file(INSTALL "${out}/lanud.conf" DESTINATION "${LANU_CONFDIR}")
# A working plan to start from (Seinäjoki's): replace it with the municipality's own.
file(INSTALL "${LANU_SOURCE_DIR}/examples/plans/seinajoki-2022-2025.yaml"
	DESTINATION "${LANU_CONFDIR}" RENAME plan.yaml)
