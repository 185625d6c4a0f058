#!/usr/bin/env bash
# Install the system packages the tests need, when the machine lacks them (Debian/Ubuntu):
# git, PostgreSQL server binaries (the tests start their own cluster), GnuPG and OpenSSH
# (signed commits), poppler-utils (pdftoppm, to look at rendered PDFs), Chromium (browser tests),
# and what WeasyPrint needs to render the evidence pack's PDF: Pango and a font.
set -euo pipefail

missing=()
command -v git >/dev/null 2>&1 || missing+=(git)
command -v gpg >/dev/null 2>&1 || missing+=(gnupg)
command -v ssh-keygen >/dev/null 2>&1 || missing+=(openssh-client)
# Browser tests drive Debian's Chromium through Playwright (never `playwright install`).
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
pango_present() { ldconfig -p 2>/dev/null | grep -q "$1"; }
pango_present libpango-1.0.so.0 || missing+=(libpango-1.0-0)
pango_present libpangoft2-1.0.so.0 || missing+=(libpangoft2-1.0-0)
if ! fc-list 2>/dev/null | grep -qi dejavu; then missing+=(fonts-dejavu-core); fi
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null 2>&1; then
  missing+=(postgresql)
fi

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "installing system packages: ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# The Debian package starts a cluster of its own; the tests do not use it.
if [[ " ${missing[*]} " == *" postgresql "* ]] && command -v pg_ctlcluster >/dev/null 2>&1; then
  $sudo pg_ctlcluster --force 15 main stop >/dev/null 2>&1 || true
fi
