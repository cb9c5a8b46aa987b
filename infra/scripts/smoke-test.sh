#!/usr/bin/env bash
# Deployment smoke test. 1) GET https://<host>/api/health until it answers {"status":"ok"} (the only anonymous path).
# 2) Optionally, a test trade in the dedicated test book: sent to the OMS queue over Service Bus REST with an Entra
#    token of the deploying identity (it needs Azure Service Bus Data Sender on that queue and Data Receiver on the
#    reply queue, see docs/deploy.md), then the reply with the same correlation id is awaited on the reply queue.
# Usage: smoke-test.sh <function host name> [<service bus fqdn> <oms queue> <reply queue> <trade template> <test account>]
set -euo pipefail

host="${1:?usage: smoke-test.sh <host> [<namespace fqdn> <oms queue> <reply queue> <trade template> <test account>]}"
deadline=$((SECONDS + ${SMOKE_HEALTH_TIMEOUT_SECONDS:-300}))

echo "Waiting for https://$host/api/health ..."
until body="$(curl -fsS --max-time 10 "https://$host/api/health" 2>/dev/null)" && echo "$body" | jq -e '.status == "ok"' >/dev/null; do
  if [ "$SECONDS" -ge "$deadline" ]; then
    echo "error: the health endpoint did not answer ok within ${SMOKE_HEALTH_TIMEOUT_SECONDS:-300} s (last answer: ${body:-none})." >&2
    exit 1
  fi
  sleep 10
done
echo "health: $body"

# App Service authentication answers before routing: any path but the health probe must be refused without a token.
status="$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "https://$host/api/auth-probe" || true)"
if [ "$status" != "401" ] && [ "$status" != "403" ]; then
  echo "error: an anonymous request to /api/auth-probe got HTTP $status; App Service authentication must answer 401." >&2
  exit 1
fi
echo "authentication: anonymous request refused with HTTP $status"

if [ "$#" -lt 6 ]; then
  echo "test trade: skipped (no Service Bus arguments given)."
  exit 0
fi

namespace="$2" oms_queue="$3" reply_queue="$4" template="$5" account="$6"
token="$(az account get-access-token --resource https://servicebus.azure.net --query accessToken -o tsv)"
run_id="${GITHUB_RUN_ID:-local}-${GITHUB_RUN_ATTEMPT:-1}"
trade_id="SMOKE-$run_id"
correlation_id="smoke-$run_id"
payload="$(jq --arg tradeId "$trade_id" --arg correlationId "$correlation_id" --arg account "$account" \
  --arg tradeDate "$(date -u +%F)" --arg executedAt "$(date -u +%FT%TZ)" \
  '.tradeId = $tradeId | .correlationId = $correlationId | .account = $account | .tradeDate = $tradeDate | .executionTimestamp = $executedAt' "$template")"

echo "Sending test trade $trade_id (account $account) to $oms_queue ..."
curl -fsS --max-time 30 -X POST "https://$namespace/$oms_queue/messages" \
  -H "Authorization: Bearer $token" \
  -H "Content-Type: application/json" \
  -H "BrokerProperties: {\"MessageId\":\"$trade_id-1\",\"CorrelationId\":\"$correlation_id\"}" \
  --data "$payload" >/dev/null

# Peek-lock the reply queue; complete our reply, give every other message back at once (unlock) for the OMS.
deadline=$((SECONDS + ${SMOKE_TRADE_TIMEOUT_SECONDS:-180}))
while [ "$SECONDS" -lt "$deadline" ]; do
  headers="$(mktemp)"
  reply="$(curl -sS --max-time 40 -X POST -D "$headers" "https://$namespace/$reply_queue/messages/head?timeout=30" \
    -H "Authorization: Bearer $token" -H "Content-Length: 0" || true)"
  location="$(grep -i '^Location:' "$headers" | tr -d '\r' | cut -d' ' -f2 || true)"
  properties="$(grep -i '^BrokerProperties:' "$headers" | tr -d '\r' | cut -d' ' -f2- || true)"
  rm -f "$headers"
  if [ -z "$location" ]; then
    continue
  fi
  if [ "$(echo "$properties" | jq -r '.CorrelationId // empty')" = "$correlation_id" ]; then
    curl -fsS -X DELETE "$location" -H "Authorization: Bearer $token" >/dev/null
    echo "reply: $reply"
    outcome="$(echo "$reply" | jq -r '.outcome // .status // empty' | tr '[:upper:]' '[:lower:]')"
    if [ "$outcome" = "accepted" ] || [ "$outcome" = "duplicate" ]; then
      echo "test trade: $outcome"
      exit 0
    fi
    echo "error: the test trade was answered '$outcome', not accepted." >&2
    exit 1
  fi
  curl -fsS -X PUT "$location" -H "Authorization: Bearer $token" -H "Content-Length: 0" >/dev/null || true
done

echo "error: no reply to the test trade within ${SMOKE_TRADE_TIMEOUT_SECONDS:-180} s." >&2
exit 1
