namespace NevHub.Testing;

/// <summary>Seeded, reproducible mutations of valid frames for fuzzing decoders (bit flips, byte sets, truncation, insertion, duplication).</summary>
public sealed class Mutator
{
    private readonly Random _random;

    public Mutator(int seed) => _random = new Random(seed);

    public byte[] Mutate(byte[] original)
    {
        var data = new List<byte>(original);
        var rounds = 1 + _random.Next(4);
        for (var r = 0; r < rounds; r++)
        {
            switch (_random.Next(7))
            {
                case 0 when data.Count > 0: // flip one bit
                    var i = _random.Next(data.Count);
                    data[i] ^= (byte)(1 << _random.Next(8));
                    break;
                case 1 when data.Count > 0: // set a byte to an interesting value
                    data[_random.Next(data.Count)] = Interesting[_random.Next(Interesting.Length)];
                    break;
                case 2 when data.Count > 0: // random byte
                    data[_random.Next(data.Count)] = (byte)_random.Next(256);
                    break;
                case 3 when data.Count > 1: // truncate
                    var cut = _random.Next(data.Count);
                    data.RemoveRange(cut, data.Count - cut);
                    break;
                case 4: // insert random bytes
                    var at = _random.Next(data.Count + 1);
                    var n = 1 + _random.Next(8);
                    for (var k = 0; k < n; k++)
                    {
                        data.Insert(at, (byte)_random.Next(256));
                    }

                    break;
                case 5 when data.Count > 2: // duplicate a slice
                    var from = _random.Next(data.Count);
                    var len = Math.Min(1 + _random.Next(16), data.Count - from);
                    data.InsertRange(_random.Next(data.Count), data.GetRange(from, len));
                    break;
                case 6 when data.Count > 1: // delete a slice
                    var del = _random.Next(data.Count);
                    data.RemoveRange(del, Math.Min(1 + _random.Next(8), data.Count - del));
                    break;
            }
        }

        return data.ToArray();
    }

    private static readonly byte[] Interesting = [0x00, 0x01, 0x7F, 0x80, 0xFE, 0xFF, 0x23, 0x24, 0x7E, 0x7D];
}
