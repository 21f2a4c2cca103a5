#!/usr/bin/env bash
# Run a command with a throwaway Orthanc PACS (DICOMweb plugin) on loopback, seeded with real test
# DICOM, then stop it and delete its storage (also when the command fails).
# Usage: .ci/with_orthanc.sh python -m pytest ...
# Exports MEDGEN_TEST_DICOMWEB_URL / _USER / _PASSWORD and MEDGEN_REQUIRE_ORTHANC=1, so the PACS
# tests (tests/pacs) run instead of being skipped. What is seeded: tests/pacs/seed.py.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
PLUGIN=/usr/share/orthanc/plugins/libOrthancDicomWeb.so

if ! [ -x /usr/sbin/Orthanc ] || ! [ -e "$PLUGIN" ]; then
  echo "Installing Debian orthanc and orthanc-dicomweb for the PACS tests"
  # Only the throwaway server below: keep the package scripts from starting a system-wide Orthanc
  # on 8042 (policy-rc.d 101 = "action forbidden"), unless the machine already has a policy.
  own_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    own_policy=1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold orthanc orthanc-dicomweb >/dev/null
  if [ "$own_policy" = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
fi

# The seeding script needs pydicom (the project's virtual environment).
SEED_PY=${MEDGEN_SEED_PYTHON:-$REPO/.venv/bin/python}
if ! [ -x "$SEED_PY" ]; then SEED_PY=python3; fi

ORTMP=$(mktemp -d /tmp/medgen-orthanc.XXXXXX)
chmod 700 "$ORTMP"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
HTTP_PORT=$(free_port)
DICOM_PORT=$(free_port)
while [ "$DICOM_PORT" = "$HTTP_PORT" ]; do DICOM_PORT=$(free_port); done
ORUSER=medgen
# A random password so other local users cannot use the test server meanwhile.
ORPASS=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
ORPID=""

cleanup() {
  if [ -n "$ORPID" ] && kill -0 "$ORPID" 2>/dev/null; then
    kill "$ORPID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$ORPID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$ORPID" 2>/dev/null || true
  fi
  rm -rf "$ORTMP"
}
trap cleanup EXIT INT TERM

# Orthanc 1.10 has no HTTP bind-address option: it listens on every interface, and
# RemoteAccessAllowed=false makes it refuse any client that is not on loopback. The DICOM (DIMSE)
# server is off: the tests only use DICOMweb, so no C-ECHO, peers or modalities are configured.
python3 - "$ORTMP" "$HTTP_PORT" "$DICOM_PORT" "$ORUSER" "$ORPASS" "$PLUGIN" <<'EOF'
import json, sys
tmp, http_port, dicom_port, user, password, plugin = sys.argv[1:]
config = {
    "Name": "medgen-test",
    "StorageDirectory": f"{tmp}/storage",
    "IndexDirectory": f"{tmp}/storage",
    "HttpServerEnabled": True,
    "HttpPort": int(http_port),
    "RemoteAccessAllowed": False,
    "AuthenticationEnabled": True,
    "RegisteredUsers": {user: password},
    "HttpDescribeErrors": True,
    "OrthancExplorerEnabled": False,
    "WebDavEnabled": False,
    "DicomServerEnabled": False,
    "DicomPort": int(dicom_port),
    "DicomModalities": {},
    "OrthancPeers": {},
    "Plugins": [plugin],
    "DicomWeb": {"Enable": True, "Root": "/dicom-web/", "EnableWado": False, "Host": "127.0.0.1"},
    "SaveJobs": False,
    "MetricsEnabled": False,
}
with open(f"{tmp}/orthanc.json", "w") as f:
    json.dump(config, f, indent=2)
EOF
chmod 600 "$ORTMP/orthanc.json"

/usr/sbin/Orthanc "$ORTMP/orthanc.json" >"$ORTMP/orthanc.log" 2>&1 &
ORPID=$!

BASE="http://127.0.0.1:$HTTP_PORT"
if ! python3 - "$BASE" "$ORUSER" "$ORPASS" "$ORPID" <<'EOF'
import base64, os, sys, time, urllib.request
base, user, password, pid = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
auth = base64.b64encode(f"{user}:{password}".encode()).decode()
deadline = time.monotonic() + 60
while time.monotonic() < deadline:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        sys.exit("Orthanc exited during start-up")
    try:
        req = urllib.request.Request(f"{base}/dicom-web/studies?limit=1", headers={"Authorization": f"Basic {auth}"})
        with urllib.request.urlopen(req, timeout=2) as r:
            if r.status == 200:
                sys.exit(0)
    except OSError:
        pass
    time.sleep(0.2)
sys.exit("Orthanc did not answer within 60 s")
EOF
then
  echo "Orthanc failed to start; its log:" >&2
  tail -n 40 "$ORTMP/orthanc.log" >&2 || true
  exit 1
fi

export MEDGEN_TEST_DICOMWEB_URL="$BASE/dicom-web"
export MEDGEN_TEST_DICOMWEB_USER="$ORUSER"
export MEDGEN_TEST_DICOMWEB_PASSWORD="$ORPASS"
export MEDGEN_REQUIRE_ORTHANC=1

# Seed through Orthanc's own REST API (not through medgen.pacs, which the tests check).
(cd "$REPO" && "$SEED_PY" -m tests.pacs.seed --orthanc "$BASE" --user "$ORUSER" --password-env MEDGEN_TEST_DICOMWEB_PASSWORD)

echo "Orthanc $(/usr/sbin/Orthanc --version 2>/dev/null | head -n 1 | awk '{print $NF}') on 127.0.0.1:$HTTP_PORT (DICOMweb at /dicom-web, throwaway storage in $ORTMP)"
set +e
"$@"
status=$?
set -e
exit $status
