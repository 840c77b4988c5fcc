using System.Buffers.Binary;

namespace NevHub.Protocols.Jt808;

/// <summary>Bounds-checked big-endian reader over a body; every overrun is an <see cref="Jt808FormatError.InvalidBody"/>.</summary>
internal ref struct Jt808BodyReader
{
    private readonly ReadOnlySpan<byte> _span;
    private readonly string _message;
    private int _position;

    public Jt808BodyReader(ReadOnlySpan<byte> span, string message)
    {
        _span = span;
        _message = message;
        _position = 0;
    }

    public readonly int Position => _position;

    public readonly int Remaining => _span.Length - _position;

    public byte ReadByte() => Take(1)[0];

    public ushort ReadUInt16() => BinaryPrimitives.ReadUInt16BigEndian(Take(2));

    public uint ReadUInt32() => BinaryPrimitives.ReadUInt32BigEndian(Take(4));

    public ReadOnlySpan<byte> Take(int count)
    {
        if (count < 0 || count > Remaining)
        {
            Jt808Throw.Body($"{_message}: {count} bytes needed at body offset {_position}, {Remaining} left.");
        }

        var slice = _span.Slice(_position, count);
        _position += count;
        return slice;
    }

    public ReadOnlySpan<byte> TakeRest() => Take(Remaining);
}

/// <summary>Growable big-endian body writer.</summary>
internal sealed class Jt808BodyWriter
{
    private byte[] _buffer;
    private int _length;

    public Jt808BodyWriter(int capacity = 256) => _buffer = new byte[capacity];

    public int Length => _length;

    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _length);

    public void Reset() => _length = 0;

    public void WriteByte(byte value) => Grow(1)[0] = value;

    public void WriteUInt16(ushort value) => BinaryPrimitives.WriteUInt16BigEndian(Grow(2), value);

    public void WriteUInt32(uint value) => BinaryPrimitives.WriteUInt32BigEndian(Grow(4), value);

    public void WriteBytes(ReadOnlySpan<byte> bytes) => bytes.CopyTo(Grow(bytes.Length));

    /// <summary>Writes <paramref name="bytes"/> into a fixed-size field, padded with 0x00.</summary>
    public void WriteFixed(ReadOnlySpan<byte> bytes, int size, string field)
    {
        if (bytes.Length > size)
        {
            throw new ArgumentException($"{field} is {bytes.Length} bytes; the field holds {size}.", nameof(bytes));
        }

        var span = Grow(size);
        bytes.CopyTo(span);
        span[bytes.Length..].Clear();
    }

    public Span<byte> Grow(int count)
    {
        if (_length + count > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + count));
        }

        var span = _buffer.AsSpan(_length, count);
        _length += count;
        return span;
    }
}
