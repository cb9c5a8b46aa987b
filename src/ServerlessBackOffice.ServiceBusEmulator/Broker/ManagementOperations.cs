using Microsoft.Azure.Amqp;
using Microsoft.Azure.Amqp.Encoding;
using Microsoft.Azure.Amqp.Framing;

namespace ServerlessBackOffice.ServiceBusEmulator.Broker;

/// <summary>A <c>$management</c> request failed with a status the client maps to a Service Bus exception.</summary>
internal sealed class ManagementException(int statusCode, string condition, string message) : Exception(message)
{
    public int StatusCode { get; } = statusCode;

    public string Condition { get; } = condition;
}

/// <summary>The <c>$management</c> operations the client uses: renew-lock, peek, schedule, deferred receive, settlement and sessions.</summary>
internal static class ManagementOperations
{
    public static AmqpMessage Handle(MessageStore store, string operation, AmqpMap body, TimeProvider clock)
    {
        switch (operation)
        {
            case "com.microsoft:renew-lock":
            {
                var tokens = (Guid[])body[new MapKey("lock-tokens")];
                var expirations = new DateTime[tokens.Length];
                for (var i = 0; i < tokens.Length; i++)
                {
                    expirations[i] = (store.RenewLock(tokens[i]) ?? throw LockLost()).UtcDateTime;
                }

                return Ok(new AmqpMap { [new MapKey("expirations")] = expirations });
            }

            case "com.microsoft:peek-message":
            {
                var from = Convert.ToInt64(body[new MapKey("from-sequence-number")], System.Globalization.CultureInfo.InvariantCulture);
                var count = Convert.ToInt32(body[new MapKey("message-count")], System.Globalization.CultureInfo.InvariantCulture);
                var sessionId = body[new MapKey("session-id")] as string;
                var messages = store.Peek(from, count, sessionId);
                if (messages.Count == 0)
                {
                    return AmqpHost.Status(204, null, "No messages");
                }

                var list = new List<AmqpMap>();
                foreach (var message in messages)
                {
                    list.Add(new AmqpMap { [new MapKey("message")] = Encode(message) });
                }

                return Ok(new AmqpMap { [new MapKey("messages")] = list });
            }

            case "com.microsoft:schedule-message":
            {
                var entries = (System.Collections.IList)body[new MapKey("messages")];
                var sequenceNumbers = new long[entries.Count];
                for (var i = 0; i < entries.Count; i++)
                {
                    var entry = (AmqpMap)entries[i]!;
                    var encoded = ((ArraySegment<byte>)entry[new MapKey("message")]).ToArray();
                    var stored = StoredMessage.FromEncoded(encoded);
                    var at = stored.ScheduledEnqueueTime ?? clock.GetUtcNow();
                    sequenceNumbers[i] = store.Schedule(stored, at);
                }

                return Ok(new AmqpMap { [new MapKey("sequence-numbers")] = sequenceNumbers });
            }

            case "com.microsoft:cancel-scheduled-message":
            {
                foreach (var sequence in (long[])body[new MapKey("sequence-numbers")])
                {
                    store.CancelScheduled(sequence);
                }

                return Ok(null);
            }

            case "com.microsoft:receive-by-sequence-number":
            {
                var sequences = (long[])body[new MapKey("sequence-numbers")];
                var settleMode = body[new MapKey("receiver-settle-mode")] is { } mode ? Convert.ToUInt32(mode, System.Globalization.CultureInfo.InvariantCulture) : 1u;
                var received = store.ReceiveDeferred(sequences, receiveAndDelete: settleMode == 0)
                    ?? throw new ManagementException(404, AmqpNames.MessageNotFound, "The requested deferred message(s) could not be found.");
                var list = new List<AmqpMap>();
                foreach (var (message, lockToken) in received)
                {
                    var entry = new AmqpMap { [new MapKey("message")] = Encode(message) };
                    if (lockToken != Guid.Empty)
                    {
                        entry[new MapKey("lock-token")] = lockToken;
                    }

                    list.Add(entry);
                }

                return Ok(new AmqpMap { [new MapKey("messages")] = list });
            }

            case "com.microsoft:update-disposition":
            {
                var tokens = (Guid[])body[new MapKey("lock-tokens")];
                var status = (string)body[new MapKey("disposition-status")];
                var reason = body[new MapKey("deadletter-reason")] as string;
                var description = body[new MapKey("deadletter-description")] as string;
                Fields? properties = null;
                if (body[new MapKey("properties-to-modify")] is AmqpMap map)
                {
                    properties = new Fields();
                    foreach (var pair in map)
                    {
                        properties[(AmqpSymbol)pair.Key.Key.ToString()] = pair.Value;
                    }
                }

                foreach (var token in tokens)
                {
                    if (store.SettleByStatus(token, status, reason, description, properties) is { } error)
                    {
                        throw new ManagementException(410, error.Condition.Value, error.Description);
                    }
                }

                return Ok(null);
            }

            case "com.microsoft:renew-session-lock":
            {
                var sessionId = (string)body[new MapKey("session-id")];
                var until = store.RenewSessionLock(sessionId) ?? throw SessionLockLost();
                return Ok(new AmqpMap { [new MapKey("expiration")] = until.UtcDateTime });
            }

            case "com.microsoft:set-session-state":
            {
                var sessionId = (string)body[new MapKey("session-id")];
                var state = body[new MapKey("session-state")] is ArraySegment<byte> bytes ? bytes.ToArray() : null;
                return store.TrySetSessionState(sessionId, state) ? Ok(null) : throw SessionLockLost();
            }

            case "com.microsoft:get-session-state":
            {
                var sessionId = (string)body[new MapKey("session-id")];
                if (!store.TryGetSessionState(sessionId, out var state))
                {
                    throw SessionLockLost();
                }

                return Ok(new AmqpMap { [new MapKey("session-state")] = state is null ? null! : new ArraySegment<byte>(state) });
            }

            default:
                throw new ManagementException(501, AmqpErrorCode.NotImplemented.Value, $"The emulator does not implement the management operation '{operation}'.");
        }
    }

    private static ManagementException LockLost() =>
        new(410, AmqpNames.MessageLockLost, "The lock supplied is invalid. Either the lock expired, or the message has already been removed from the queue.");

    private static ManagementException SessionLockLost() =>
        new(410, AmqpNames.SessionLockLost, "The session lock has expired or the session is not locked by this receiver.");

    private static AmqpMessage Ok(AmqpMap? body) => AmqpHost.Status(200, null, "OK", body ?? new AmqpMap());

    private static ArraySegment<byte> Encode(AmqpMessage message)
    {
        using (message)
        {
            using var stream = message.ToStream();
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            return new ArraySegment<byte>(buffer.ToArray());
        }
    }
}
