#!/usr/bin/env bash
# Install the Debian font packages the accuracy benchmark and `pixelsvc demo` draw text with
# (sans, serif, mono, condensed, bold and a bitmap font; ~60 MB). Without them pixelsvc.synth
# falls back to DejaVu/Liberation if present, else Pillow's built-in font.
set -euo pipefail
FONTS="fonts-dejavu-core fonts-dejavu-extra fonts-liberation2 fonts-freefont-ttf fonts-croscore fonts-terminus-otb
fonts-urw-base35 fonts-crosextra-carlito fonts-crosextra-caladea fonts-open-sans fonts-go fonts-hack fonts-inconsolata"
if ! command -v apt-get >/dev/null; then
    echo "apt-get not found: install these font packages yourself: $FONTS" >&2
    exit 0
fi
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
# shellcheck disable=SC2086
($SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $FONTS) \
    || echo "some benchmark fonts were not installed" >&2
