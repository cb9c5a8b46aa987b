using Microsoft.Azure.Amqp;
using Microsoft.Azure.Amqp.Encoding;
using Microsoft.Azure.Amqp.Framing;

namespace ServerlessBackOffice.ServiceBusEmulator.Broker;

/// <summary>Session state kept by a store.</summary>
internal sealed class SessionInfo
{
    public byte[]? State { get; set; }

    public Consumer? LockedBy { get; set; }

    public DateTimeOffset LockedUntil { get; set; }
}

/// <summary>
/// The messages of one queue, subscription or dead-letter queue. One lock guards everything: the broker is a test tool,
/// and a single lock makes every invariant (a message is available, locked, deferred or scheduled, never two of these)
/// easy to see. AMQP sends happen outside the lock.
/// </summary>
internal sealed class MessageStore
{
    private readonly object _sync = new();
    private readonly EmulatorBroker _broker;
    private readonly SortedDictionary<long, StoredMessage> _messages = [];
    private readonly SortedSet<long> _available = [];
    private readonly Dictionary<string, SortedSet<long>> _sessionAvailable = new(StringComparer.Ordinal);
    private readonly Dictionary<Guid, StoredMessage> _locked = [];
    private readonly SortedDictionary<long, StoredMessage> _scheduled = [];
    private readonly PriorityQueue<long, DateTimeOffset> _expiry = new();
    private readonly List<Consumer> _consumers = [];
    private readonly Dictionary<string, SessionInfo> _sessions = new(StringComparer.Ordinal);
    private readonly List<(TaskCompletionSource<string> Waiter, Consumer? Placeholder)> _sessionWaiters = [];
    private int _nextConsumer;
    private long _nextSequence;

    public MessageStore(EmulatorBroker broker, string path, ServiceBusEntitySettings settings, bool isDeadLetterQueue)
    {
        _broker = broker;
        Path = path;
        Settings = settings;
        IsDeadLetterQueue = isDeadLetterQueue;
        DeadLetterQueue = isDeadLetterQueue ? null : new MessageStore(broker, path + "/" + AmqpNames.DeadLetterQueue, settings with { RequiresSession = false, ForwardTo = null, ForwardDeadLetteredMessagesTo = null, DeadLetteringOnMessageExpiration = false }, isDeadLetterQueue: true);
    }

    public string Path { get; }

    public ServiceBusEntitySettings Settings { get; }

    public bool IsDeadLetterQueue { get; }

    public MessageStore? DeadLetterQueue { get; }

    public bool RequiresSession => Settings.RequiresSession && !IsDeadLetterQueue;

    private TimeProvider Clock => _broker.TimeProvider;

    public OperationCounters Operations => _broker.Operations;

    public ServiceBusEntityCounts Counts()
    {
        lock (_sync)
        {
            var deferred = _messages.Values.Count(m => m.State == StoredMessageState.Deferred);
            return new ServiceBusEntityCounts(_messages.Count - deferred, DeadLetterQueue?.Counts().Active ?? 0, _scheduled.Count, deferred);
        }
    }

    /// <summary>Adds a message that arrived for this entity (after routing, filters and duplicate detection).</summary>
    public void Enqueue(StoredMessage message)
    {
        if (!IsDeadLetterQueue && Settings.ForwardTo is { } forwardTo && message.ForwardHops < 4)
        {
            message.ForwardHops++;
            _broker.Forward(forwardTo, message);
            return;
        }

        var now = Clock.GetUtcNow();
        List<(Consumer, AmqpMessage, Guid)> sends;
        lock (_sync)
        {
            message.SequenceNumber = ++_nextSequence;
            message.EnqueuedTime = now;
            var ttl = message.TimeToLive is { } t && t < Settings.DefaultMessageTimeToLive ? t : Settings.DefaultMessageTimeToLive;
            message.ExpiresAt = ttl >= DateTimeOffset.MaxValue - now ? DateTimeOffset.MaxValue : now + ttl;
            if (message.ScheduledEnqueueTime is { } at && at > now && !IsDeadLetterQueue)
            {
                message.State = StoredMessageState.Scheduled;
                _scheduled[message.SequenceNumber] = message;
                return;
            }

            AddAvailableLocked(message);
            sends = PumpLocked();
        }

        Finish(sends);
    }

    /// <summary>Schedules a message sent through <c>$management</c>; returns its sequence number.</summary>
    public long Schedule(StoredMessage message, DateTimeOffset at)
    {
        lock (_sync)
        {
            message.SequenceNumber = ++_nextSequence;
            message.EnqueuedTime = at;
            message.State = StoredMessageState.Scheduled;
            _scheduled[message.SequenceNumber] = message;
            ScheduledTimes[message.SequenceNumber] = at;
            return message.SequenceNumber;
        }
    }

    private Dictionary<long, DateTimeOffset> ScheduledTimes { get; } = [];

    public bool CancelScheduled(long sequenceNumber)
    {
        lock (_sync)
        {
            ScheduledTimes.Remove(sequenceNumber);
            return _scheduled.Remove(sequenceNumber);
        }
    }

    private void AddAvailableLocked(StoredMessage message)
    {
        message.State = StoredMessageState.Active;
        _messages[message.SequenceNumber] = message;
        if (message.ExpiresAt != DateTimeOffset.MaxValue)
        {
            _expiry.Enqueue(message.SequenceNumber, message.ExpiresAt);
        }

        MakeAvailableLocked(message);
    }

    private void MakeAvailableLocked(StoredMessage message)
    {
        message.LockToken = Guid.Empty;
        message.LockedBy = null;
        if (message.State != StoredMessageState.Active)
        {
            return;
        }

        if (RequiresSession)
        {
            var sessionId = message.SessionId ?? string.Empty;
            if (!_sessionAvailable.TryGetValue(sessionId, out var set))
            {
                _sessionAvailable[sessionId] = set = [];
            }

            set.Add(message.SequenceNumber);
            WakeSessionWaiterLocked(sessionId);
        }
        else
        {
            _available.Add(message.SequenceNumber);
        }
    }

    public void Attach(Consumer consumer)
    {
        lock (_sync)
        {
            _consumers.Add(consumer);
        }

        consumer.Start();
    }

    public void AddCredit(Consumer consumer, int credit, bool drain)
    {
        List<(Consumer, AmqpMessage, Guid)> sends;
        lock (_sync)
        {
            consumer.Credit += credit;
            sends = PumpLocked();
            if (drain)
            {
                consumer.Credit = 0;
            }
        }

        Finish(sends);
    }

    public void OnConsumerClosed(Consumer consumer)
    {
        List<(Consumer, AmqpMessage, Guid)> sends;
        lock (_sync)
        {
            _consumers.Remove(consumer);
            consumer.Credit = 0;
            if (consumer.SessionId is { } sessionId && _sessions.TryGetValue(sessionId, out var session) && session.LockedBy == consumer)
            {
                session.LockedBy = null;
                session.LockedUntil = DateTimeOffset.MinValue;

                // Locks taken under a session end with the session: its messages become available to the next owner.
                foreach (var message in _locked.Values.Where(m => m.LockedBy == consumer).ToList())
                {
                    _locked.Remove(message.LockToken);
                    ReturnOrDeadLetterLocked(message);
                }

                WakeSessionWaiterLocked(sessionId);
            }

            sends = PumpLocked();
        }

        Finish(sends);
    }

    private List<(Consumer, AmqpMessage, Guid)> PumpLocked()
    {
        var sends = new List<(Consumer, AmqpMessage, Guid)>();
        if (_consumers.Count == 0)
        {
            return sends;
        }

        var now = Clock.GetUtcNow();
        var progress = true;
        while (progress)
        {
            progress = false;
            for (var i = 0; i < _consumers.Count; i++)
            {
                var consumer = _consumers[(_nextConsumer + i) % _consumers.Count];
                if (consumer.Credit <= 0 || consumer.Closed)
                {
                    continue;
                }

                SortedSet<long>? set = consumer.SessionId is { } sid
                    ? (_sessionAvailable.TryGetValue(sid, out var s) ? s : null)
                    : RequiresSession ? null : _available;
                if (set is null || set.Count == 0)
                {
                    continue;
                }

                var sequence = set.Min;
                set.Remove(sequence);
                var message = _messages[sequence];
                if (message.ExpiresAt <= now)
                {
                    ExpireLocked(message);
                    progress = true;
                    continue;
                }

                consumer.Credit--;
                message.DeliveryCount++;
                if (consumer.ReceiveAndDelete)
                {
                    _messages.Remove(sequence);
                    sends.Add((consumer, message.ToAmqpMessage((uint)(message.DeliveryCount - 1)), Guid.Empty));
                }
                else
                {
                    message.LockToken = Guid.NewGuid();
                    message.LockedBy = consumer;
                    message.LockedUntil = now + Settings.LockDuration;
                    _locked[message.LockToken] = message;
                    sends.Add((consumer, message.ToAmqpMessage((uint)(message.DeliveryCount - 1)), message.LockToken));
                }

                progress = true;
            }

            _nextConsumer++;
        }

        return sends;
    }

    private void Finish(List<(Consumer Consumer, AmqpMessage Message, Guid LockToken)> sends)
    {
        Deliver(sends);
        FlushDeadLetters();
    }

    private static void Deliver(List<(Consumer Consumer, AmqpMessage Message, Guid LockToken)> sends)
    {
        foreach (var (consumer, message, lockToken) in sends)
        {
            try
            {
                consumer.Send(message, lockToken);
            }
            catch (Exception ex) when (ex is AmqpException or InvalidOperationException or ObjectDisposedException)
            {
                // The link closed between taking the message and sending it: a peek-locked message stays locked and
                // comes back when its lock expires, as it would after a lost delivery on the service.
                message.Dispose();
            }
        }
    }

    /// <summary>Settles a locked message; returns the error the client should see, or null.</summary>
    public Error? Settle(Guid lockToken, Outcome outcome, Consumer? via)
    {
        List<(Consumer, AmqpMessage, Guid)> sends;
        StoredMessage? deadLetter = null;
        string? reason = null, description = null;
        lock (_sync)
        {
            if (!_locked.TryGetValue(lockToken, out var message) || message.LockedUntil <= Clock.GetUtcNow() && via is not null && message.LockedBy != via)
            {
                return new Error { Condition = AmqpNames.MessageLockLost, Description = "The lock supplied is invalid. Either the lock expired, or the message has already been removed from the queue." };
            }

            _locked.Remove(lockToken);
            switch (outcome)
            {
                case Accepted:
                    _messages.Remove(message.SequenceNumber);
                    break;
                case Rejected rejected:
                    _messages.Remove(message.SequenceNumber);
                    reason = rejected.Error?.Info?.TryGetValue<string>(AmqpNames.DeadLetterReason, out var r) == true ? r : null;
                    description = rejected.Error?.Info?.TryGetValue<string>(AmqpNames.DeadLetterErrorDescription, out var d) == true ? d : null;
                    ApplyModifications(message, rejected.Error?.Info, skipDeadLetterKeys: true);
                    deadLetter = message;
                    break;
                case Modified modified when modified.UndeliverableHere == true:
                    ApplyModifications(message, modified.MessageAnnotations, skipDeadLetterKeys: false);
                    message.LockToken = Guid.Empty;
                    message.LockedBy = null;
                    message.State = StoredMessageState.Deferred;
                    break;
                default:
                    if (outcome is Modified abandon)
                    {
                        ApplyModifications(message, abandon.MessageAnnotations, skipDeadLetterKeys: false);
                    }

                    ReturnOrDeadLetterLocked(message);
                    break;
            }

            sends = PumpLocked();
        }

        if (deadLetter is not null)
        {
            DeadLetter(deadLetter, reason, description);
        }

        Finish(sends);
        return null;
    }

    /// <summary>Settles a message received through <c>$management</c> (deferred) or a lock token by status name.</summary>
    public Error? SettleByStatus(Guid lockToken, string status, string? reason, string? description, Fields? propertiesToModify)
    {
        Outcome outcome = status switch
        {
            "completed" => new Accepted(),
            "suspended" => new Rejected
            {
                Error = new Error
                {
                    Condition = AmqpNames.DeadLetterCondition,
                    Info = DeadLetterInfo(reason, description, propertiesToModify),
                },
            },
            "defered" => new Modified { UndeliverableHere = true, MessageAnnotations = propertiesToModify },
            _ => new Modified { MessageAnnotations = propertiesToModify },
        };

        lock (_sync)
        {
            // A deferred message that is abandoned stays deferred: it can only be received again by sequence number.
            if (status == "abandoned" && _locked.TryGetValue(lockToken, out var m) && m.State == StoredMessageState.Deferred)
            {
                outcome = new Modified { UndeliverableHere = true, MessageAnnotations = propertiesToModify };
            }
        }

        return Settle(lockToken, outcome, via: null);
    }

    private static Fields DeadLetterInfo(string? reason, string? description, Fields? propertiesToModify)
    {
        var info = new Fields();
        if (propertiesToModify is not null)
        {
            foreach (var pair in propertiesToModify)
            {
                info[(AmqpSymbol)pair.Key.Key.ToString()] = pair.Value;
            }
        }

        if (reason is not null)
        {
            info[AmqpNames.DeadLetterReason] = reason;
        }

        if (description is not null)
        {
            info[AmqpNames.DeadLetterErrorDescription] = description;
        }

        return info;
    }

    private static void ApplyModifications(StoredMessage message, Fields? properties, bool skipDeadLetterKeys)
    {
        if (properties is null)
        {
            return;
        }

        foreach (var pair in properties)
        {
            var key = pair.Key.Key.ToString()!;
            if (skipDeadLetterKeys && key is AmqpNames.DeadLetterReason or AmqpNames.DeadLetterErrorDescription)
            {
                continue;
            }

            message.Overrides[key] = pair.Value;
        }
    }

    public DateTimeOffset? RenewLock(Guid lockToken)
    {
        lock (_sync)
        {
            if (!_locked.TryGetValue(lockToken, out var message))
            {
                return null;
            }

            message.LockedUntil = Clock.GetUtcNow() + Settings.LockDuration;
            return message.LockedUntil;
        }
    }

    private void ReturnOrDeadLetterLocked(StoredMessage message)
    {
        if (message.DeliveryCount >= Settings.MaxDeliveryCount && !IsDeadLetterQueue)
        {
            _messages.Remove(message.SequenceNumber);
            message.LockToken = Guid.Empty;
            message.LockedBy = null;
            var failing = message;
            _pendingDeadLetters.Add((failing, AmqpNames.MaxDeliveryCountExceeded, $"Message could not be consumed after {Settings.MaxDeliveryCount} delivery attempts."));
            return;
        }

        MakeAvailableLocked(message);
    }

    private readonly List<(StoredMessage Message, string Reason, string Description)> _pendingDeadLetters = [];

    private void ExpireLocked(StoredMessage message)
    {
        _messages.Remove(message.SequenceNumber);
        if (Settings.DeadLetteringOnMessageExpiration && !IsDeadLetterQueue)
        {
            _pendingDeadLetters.Add((message, AmqpNames.TtlExpired, "The message expired and was dead lettered."));
        }
    }

    /// <summary>Moves a message to the dead-letter queue, or to ForwardDeadLetteredMessagesTo.</summary>
    public void DeadLetter(StoredMessage message, string? reason, string? description)
    {
        var copy = message.CopyForEntity();
        if (reason is not null)
        {
            copy.Overrides[AmqpNames.DeadLetterReason] = reason;
        }

        if (description is not null)
        {
            copy.Overrides[AmqpNames.DeadLetterErrorDescription] = description;
        }

        copy.DeadLetterSource = Path;
        copy.DeliveryCount = message.DeliveryCount;
        if (Settings.ForwardDeadLetteredMessagesTo is { } target)
        {
            _broker.Forward(target, copy);
        }
        else
        {
            DeadLetterQueue?.Enqueue(copy);
        }
    }

    /// <summary>Expires locks, TTLs, session locks and releases due scheduled messages.</summary>
    public void Sweep()
    {
        var now = Clock.GetUtcNow();
        List<(Consumer, AmqpMessage, Guid)> sends;
        List<(StoredMessage Message, string Reason, string Description)> deadLetters;
        lock (_sync)
        {
            foreach (var message in _locked.Values.Where(m => m.LockedUntil <= now).ToList())
            {
                _locked.Remove(message.LockToken);
                if (message.State == StoredMessageState.Deferred)
                {
                    message.LockToken = Guid.Empty;
                    message.LockedBy = null;
                }
                else
                {
                    ReturnOrDeadLetterLocked(message);
                }
            }

            foreach (var (sequence, message) in _scheduled.Where(p => (p.Value.ScheduledEnqueueTime ?? (ScheduledTimes.TryGetValue(p.Key, out var at) ? at : now)) <= now).ToList())
            {
                _scheduled.Remove(sequence);
                ScheduledTimes.Remove(sequence);
                message.EnqueuedTime = now;
                AddAvailableLocked(message);
            }

            while (_expiry.TryPeek(out var sequence, out var expiresAt) && expiresAt <= now)
            {
                _expiry.Dequeue();
                if (_messages.TryGetValue(sequence, out var message) && !message.IsLocked)
                {
                    _available.Remove(sequence);
                    if (message.SessionId is { } sid && _sessionAvailable.TryGetValue(sid, out var set))
                    {
                        set.Remove(sequence);
                    }

                    ExpireLocked(message);
                }
            }

            foreach (var (_, session) in _sessions)
            {
                if (session.LockedBy is not null && session.LockedUntil <= now)
                {
                    var owner = session.LockedBy;
                    session.LockedBy = null;
                    session.LockedUntil = DateTimeOffset.MinValue;
                    owner.Close(new Error { Condition = AmqpNames.SessionLockLost, Description = "The session lock has expired." });
                }
            }

            sends = PumpLocked();
            deadLetters = [.. _pendingDeadLetters];
            _pendingDeadLetters.Clear();
        }

        foreach (var (message, reason, description) in deadLetters)
        {
            DeadLetter(message, reason, description);
        }

        Finish(sends);
    }

    /// <summary>Dead-letters queued by operations that ran under the lock.</summary>
    public void FlushDeadLetters()
    {
        List<(StoredMessage Message, string Reason, string Description)> deadLetters;
        lock (_sync)
        {
            deadLetters = [.. _pendingDeadLetters];
            _pendingDeadLetters.Clear();
        }

        foreach (var (message, reason, description) in deadLetters)
        {
            DeadLetter(message, reason, description);
        }
    }

    public IReadOnlyList<AmqpMessage> Peek(long fromSequence, int count, string? sessionId)
    {
        lock (_sync)
        {
            return _messages.Values.Concat(_scheduled.Values)
                .Where(m => m.SequenceNumber >= fromSequence && (sessionId is null || m.SessionId == sessionId))
                .OrderBy(m => m.SequenceNumber)
                .Take(count)
                .Select(m => m.ToAmqpMessage((uint)m.DeliveryCount))
                .ToList();
        }
    }

    /// <summary>Locks deferred messages by sequence number; null when one is not deferred here.</summary>
    public IReadOnlyList<(AmqpMessage Message, Guid LockToken)>? ReceiveDeferred(IEnumerable<long> sequenceNumbers, bool receiveAndDelete)
    {
        var now = Clock.GetUtcNow();
        lock (_sync)
        {
            var found = new List<StoredMessage>();
            foreach (var sequence in sequenceNumbers)
            {
                if (!_messages.TryGetValue(sequence, out var message) || message.State != StoredMessageState.Deferred || message.IsLocked)
                {
                    return null;
                }

                found.Add(message);
            }

            var result = new List<(AmqpMessage, Guid)>();
            foreach (var message in found)
            {
                message.DeliveryCount++;
                if (receiveAndDelete)
                {
                    _messages.Remove(message.SequenceNumber);
                    result.Add((message.ToAmqpMessage((uint)(message.DeliveryCount - 1)), Guid.Empty));
                    continue;
                }

                message.LockToken = Guid.NewGuid();
                message.LockedUntil = now + Settings.LockDuration;
                _locked[message.LockToken] = message;
                result.Add((message.ToAmqpMessage((uint)(message.DeliveryCount - 1)), message.LockToken));
            }

            return result;
        }
    }

    /// <summary>Locks a session for a consumer: the given one, or the next with available messages.</summary>
    public async Task<(string SessionId, DateTimeOffset LockedUntil)?> LockSessionAsync(string? sessionId, TimeSpan wait, CancellationToken cancellationToken)
    {
        TaskCompletionSource<string> waiter;
        lock (_sync)
        {
            if (sessionId is not null)
            {
                return TryLockLocked(sessionId);
            }

            foreach (var (candidate, set) in _sessionAvailable)
            {
                if (set.Count > 0 && TryLockLocked(candidate) is { } locked)
                {
                    return locked;
                }
            }

            waiter = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            _sessionWaiters.Add((waiter, null));
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(wait);
        using (timeout.Token.Register(() => waiter.TrySetCanceled()))
        {
            try
            {
                var candidate = await waiter.Task.ConfigureAwait(false);
                lock (_sync)
                {
                    return TryLockLocked(candidate);
                }
            }
            catch (OperationCanceledException)
            {
                lock (_sync)
                {
                    _sessionWaiters.RemoveAll(w => w.Waiter == waiter);
                }

                return null;
            }
        }
    }

    /// <summary>Marks a session as reserved by a link being attached; the consumer takes it over in <see cref="BindSession"/>.</summary>
    private (string, DateTimeOffset)? TryLockLocked(string sessionId)
    {
        if (!_sessions.TryGetValue(sessionId, out var session))
        {
            _sessions[sessionId] = session = new SessionInfo();
        }

        var now = Clock.GetUtcNow();
        if (session.LockedBy is not null || session.LockedUntil > now)
        {
            return null;
        }

        // Reserve the session until the consumer binds; a short reservation that BindSession replaces.
        session.LockedUntil = now + Settings.LockDuration;
        return (sessionId, session.LockedUntil);
    }

    public void BindSession(string sessionId, Consumer consumer)
    {
        lock (_sync)
        {
            var session = _sessions[sessionId];
            session.LockedBy = consumer;
            session.LockedUntil = Clock.GetUtcNow() + Settings.LockDuration;
        }
    }

    private void WakeSessionWaiterLocked(string sessionId)
    {
        if (_sessionWaiters.Count == 0)
        {
            return;
        }

        if (_sessions.TryGetValue(sessionId, out var session) && (session.LockedBy is not null || session.LockedUntil > Clock.GetUtcNow()))
        {
            return;
        }

        var (waiter, _) = _sessionWaiters[0];
        _sessionWaiters.RemoveAt(0);
        waiter.TrySetResult(sessionId);
    }

    public DateTimeOffset? RenewSessionLock(string sessionId)
    {
        lock (_sync)
        {
            if (!_sessions.TryGetValue(sessionId, out var session) || session.LockedBy is null)
            {
                return null;
            }

            session.LockedUntil = Clock.GetUtcNow() + Settings.LockDuration;
            return session.LockedUntil;
        }
    }

    public bool TrySetSessionState(string sessionId, byte[]? state)
    {
        lock (_sync)
        {
            if (!_sessions.TryGetValue(sessionId, out var session) || session.LockedBy is null)
            {
                return false;
            }

            session.State = state;
            return true;
        }
    }

    public bool TryGetSessionState(string sessionId, out byte[]? state)
    {
        lock (_sync)
        {
            state = null;
            if (!_sessions.TryGetValue(sessionId, out var session) || session.LockedBy is null)
            {
                return false;
            }

            state = session.State;
            return true;
        }
    }

    public void Reset()
    {
        lock (_sync)
        {
            _messages.Clear();
            _available.Clear();
            _sessionAvailable.Clear();
            _locked.Clear();
            _scheduled.Clear();
            _expiry.Clear();
            _sessions.Clear();
            _pendingDeadLetters.Clear();
        }

        DeadLetterQueue?.Reset();
    }

    public void CloseConsumers(Error error)
    {
        List<Consumer> consumers;
        lock (_sync)
        {
            consumers = [.. _consumers];
        }

        foreach (var consumer in consumers)
        {
            consumer.Close(error);
        }
    }
}
