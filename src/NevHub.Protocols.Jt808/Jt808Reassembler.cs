namespace NevHub.Protocols.Jt808;

/// <summary>Limits and timers of a <see cref="Jt808Reassembler"/> (defaults from jt808.md §5 and §12 item 16).</summary>
public sealed class Jt808ReassemblerOptions
{
    /// <summary>Messages being reassembled at once per connection (default 16).</summary>
    public int MaxPendingMessages { get; init; } = 16;

    /// <summary>Bytes held for incomplete messages per connection (default 1 MiB).</summary>
    public int MaxPendingBytes { get; init; } = 1024 * 1024;

    /// <summary>Largest accepted package total (default 1024 packages, about 1 MiB of body).</summary>
    public int MaxPackageTotal { get; init; } = 1024;

    /// <summary>Silence after which the missing packages are requested again with 0x8003 (default 10 s).</summary>
    public TimeSpan RetryInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Requests sent before the message is dropped (default 5).</summary>
    public int MaxRetries { get; init; } = 5;
}

/// <summary>Identifies a message being reassembled: (phone, message id, package total), per jt808.md §5.</summary>
public readonly record struct Jt808PackageKey(Jt808Phone Phone, ushort MessageId, ushort PackageTotal);

/// <summary>A complete reassembled message: the header of package 1 (its serial is the original serial) and the whole body.</summary>
public readonly record struct Jt808ReassembledMessage(Jt808Header Header, ReadOnlyMemory<byte> Body)
{
    /// <summary>The serial of package 1, quoted by 0x8003 and replies.</summary>
    public ushort OriginalSerial => Header.Serial;
}

/// <summary>A pending message that has been silent for a retry interval: ask for <see cref="MissingIndexes"/> or, when <see cref="Dropped"/>, give up.</summary>
public sealed record Jt808ReassemblyTimeout(
    Jt808PackageKey Key, Jt808Version Version, ushort OriginalSerial, IReadOnlyList<ushort> MissingIndexes, int Attempt, bool Dropped);

/// <summary>
/// Reassembles subpackaged messages of one connection. Packages may arrive in any order; a package index that is already
/// held is a duplicate and is ignored. Pure: time comes from the <see cref="TimeProvider"/>, and the caller polls
/// <see cref="CollectTimeouts"/> to drive 0x8003 requests.
/// </summary>
public sealed class Jt808Reassembler
{
    private readonly Jt808ReassemblerOptions _options;
    private readonly TimeProvider _time;
    private readonly Dictionary<Jt808PackageKey, Pending> _pending = [];
    private long _pendingBytes;

    public Jt808Reassembler(Jt808ReassemblerOptions? options = null, TimeProvider? timeProvider = null)
    {
        _options = options ?? new Jt808ReassemblerOptions();
        _time = timeProvider ?? TimeProvider.System;
    }

    public int PendingMessages => _pending.Count;

    public long PendingBytes => _pendingBytes;

    /// <summary>Duplicate packages seen (same key and index while pending).</summary>
    public long Duplicates { get; private set; }

    /// <summary>
    /// Adds one package (copying its body). Returns true with the whole message when it completes the message. A frame that
    /// is not subpackaged is returned as is. Throws <see cref="Jt808FormatException"/> for a bad index/total or exceeded limits.
    /// </summary>
    public bool TryAdd(in Jt808Frame frame, out Jt808ReassembledMessage message)
    {
        var header = frame.Header;
        if (!header.IsSubpackaged)
        {
            message = new Jt808ReassembledMessage(header, frame.Body.ToArray());
            return true;
        }

        if (header.PackageTotal == 0 || header.PackageIndex == 0 || header.PackageIndex > header.PackageTotal
            || header.PackageTotal > _options.MaxPackageTotal)
        {
            Jt808Throw.Format(
                Jt808FormatError.InvalidSubpackage,
                $"Package {header.PackageIndex} of {header.PackageTotal} (limit {_options.MaxPackageTotal}).");
        }

        var key = new Jt808PackageKey(header.Phone, header.MessageId, header.PackageTotal);
        if (!_pending.TryGetValue(key, out var pending))
        {
            if (header.PackageTotal == 1)
            {
                message = new Jt808ReassembledMessage(header, frame.Body.ToArray());
                return true;
            }

            if (_pending.Count >= _options.MaxPendingMessages)
            {
                Jt808Throw.Format(
                    Jt808FormatError.TooManyPendingMessages,
                    $"{_pending.Count} messages are already being reassembled (limit {_options.MaxPendingMessages}).");
            }

            pending = new Pending(header.PackageTotal, header.Version);
            _pending.Add(key, pending);
        }

        var slot = header.PackageIndex - 1;
        if (pending.Parts[slot] is not null)
        {
            Duplicates++;
            pending.LastActivity = _time.GetTimestamp();
            message = default;
            return false;
        }

        var body = frame.Body;
        if (_pendingBytes + body.Length > _options.MaxPendingBytes)
        {
            Jt808Throw.Format(
                Jt808FormatError.PendingBytesExceeded,
                $"Holding {_pendingBytes} bytes; {body.Length} more would exceed {_options.MaxPendingBytes}.");
        }

        pending.Parts[slot] = body.ToArray();
        pending.Received++;
        pending.Bytes += body.Length;
        pending.LastActivity = _time.GetTimestamp();
        pending.Attempts = 0;
        _pendingBytes += body.Length;
        if (header.PackageIndex == 1)
        {
            pending.FirstHeader = header;
        }

        if (pending.Received < pending.Parts.Length)
        {
            message = default;
            return false;
        }

        _pending.Remove(key);
        _pendingBytes -= pending.Bytes;
        var whole = new byte[pending.Bytes];
        var offset = 0;
        foreach (var part in pending.Parts)
        {
            part!.CopyTo(whole, offset);
            offset += part!.Length;
        }

        var first = pending.FirstHeader!.Value;
        message = new Jt808ReassembledMessage(first with { BodyLength = whole.Length }, whole);
        return true;
    }

    /// <summary>
    /// Pending messages silent for at least <see cref="Jt808ReassemblerOptions.RetryInterval"/>: each is reported with its
    /// missing indexes (send 0x8003), and after <see cref="Jt808ReassemblerOptions.MaxRetries"/> reports it is dropped.
    /// </summary>
    public IReadOnlyList<Jt808ReassemblyTimeout> CollectTimeouts()
    {
        List<Jt808ReassemblyTimeout>? result = null;
        List<Jt808PackageKey>? dropped = null;
        var now = _time.GetTimestamp();
        foreach (var (key, pending) in _pending)
        {
            if (_time.GetElapsedTime(pending.LastActivity, now) < _options.RetryInterval)
            {
                continue;
            }

            var missing = new List<ushort>();
            for (var i = 0; i < pending.Parts.Length; i++)
            {
                if (pending.Parts[i] is null)
                {
                    missing.Add((ushort)(i + 1));
                }
            }

            pending.Attempts++;
            pending.LastActivity = now;
            var drop = pending.Attempts > _options.MaxRetries;
            var serial = pending.FirstHeader?.Serial ?? (ushort)0;
            (result ??= []).Add(new Jt808ReassemblyTimeout(key, pending.Version, serial, missing, pending.Attempts, drop));
            if (drop)
            {
                (dropped ??= []).Add(key);
            }
        }

        if (dropped is not null)
        {
            foreach (var key in dropped)
            {
                _pendingBytes -= _pending[key].Bytes;
                _pending.Remove(key);
            }
        }

        return (IReadOnlyList<Jt808ReassemblyTimeout>?)result ?? [];
    }

    /// <summary>Forgets every pending message (e.g. when the connection closes).</summary>
    public void Clear()
    {
        _pending.Clear();
        _pendingBytes = 0;
    }

    private sealed class Pending
    {
        public Pending(int total, Jt808Version version)
        {
            Parts = new byte[]?[total];
            Version = version;
        }

        public byte[]?[] Parts { get; }

        public Jt808Version Version { get; }

        public int Received { get; set; }

        public int Bytes { get; set; }

        public long LastActivity { get; set; }

        public int Attempts { get; set; }

        public Jt808Header? FirstHeader { get; set; }
    }
}
