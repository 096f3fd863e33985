#!/bin/sh
# Serving certificate for the capture webhook without cert-manager (docs/deploy.md,
# "Capturing worker telemetry"): a private CA, a server certificate for the webhook
# Service signed by it, and a JSON patch that puts the CA into every entry's caBundle.
#
#   scripts/make-webhook-cert.sh OUTDIR [SERVICE] [NAMESPACE] [DAYS]
#
# Writes OUTDIR/ca.crt, ca.key, tls.crt, tls.key and ca-patch.json. Run it again (with
# the same OUTDIR) to renew: the CA is kept, only the server pair is replaced.
set -eu
out=${1:?usage: make-webhook-cert.sh OUTDIR [SERVICE] [NAMESPACE] [DAYS]}
svc=${2:-sedna-exporter-webhook}
ns=${3:-sedna-observability}
days=${4:-365}
entries=9   # webhook entries in deploy/kubernetes/overlays/webhook (one per Sedna task kind)
mkdir -p "$out"
umask 077
if [ ! -s "$out/ca.key" ]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 \
    -subj "/CN=$svc-ca" -keyout "$out/ca.key" -out "$out/ca.crt" 2>/dev/null
fi
openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
  -subj "/CN=$svc.$ns.svc" -keyout "$out/tls.key.new" -out "$out/tls.csr" 2>/dev/null
printf 'subjectAltName=DNS:%s.%s.svc,DNS:%s.%s.svc.cluster.local\nextendedKeyUsage=serverAuth\nkeyUsage=digitalSignature\n' \
  "$svc" "$ns" "$svc" "$ns" > "$out/tls.ext"
openssl x509 -req -in "$out/tls.csr" -CA "$out/ca.crt" -CAkey "$out/ca.key" -CAcreateserial -days "$days" \
  -extfile "$out/tls.ext" -out "$out/tls.crt.new" 2>/dev/null
# Replace the pair by renames, key first, so a reader never sees a new certificate with an old key
# for long (the exporter also refuses a pair that does not match and keeps the previous one).
mv "$out/tls.key.new" "$out/tls.key"
mv "$out/tls.crt.new" "$out/tls.crt"
rm -f "$out/tls.csr" "$out/tls.ext"
ca=$(base64 < "$out/ca.crt" | tr -d '\n')
i=0
sep=""
printf '[' > "$out/ca-patch.json"
while [ "$i" -lt "$entries" ]; do
  printf '%s{"op":"add","path":"/webhooks/%d/clientConfig/caBundle","value":"%s"}' "$sep" "$i" "$ca" >> "$out/ca-patch.json"
  sep=","
  i=$((i + 1))
done
printf ']\n' >> "$out/ca-patch.json"
chmod 644 "$out/ca.crt" "$out/tls.crt" "$out/ca-patch.json"
echo "wrote $out/ca.crt $out/tls.crt $out/tls.key $out/ca-patch.json"
