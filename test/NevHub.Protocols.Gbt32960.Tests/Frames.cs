namespace NevHub.Protocols.Gbt32960.Tests;

/// <summary>Builds frames with a correct length and BCC around any data unit, so tests can aim at one check at a time.</summary>
public static class Frames
{
    public const string Vin = "LTESTVIN000000001";

    public static byte[] Build(Gbt32960Version version, byte command, string dataHex, byte flag = 0xFE, byte encryption = 0x01)
    {
        var data = Convert.FromHexString(dataHex.Replace(" ", string.Empty, StringComparison.Ordinal));
        var frame = new byte[25 + data.Length];
        Gbt32960Encoder.WriteFrame(version, command, flag, Gbt32960Vin.Parse(Vin), encryption, data, frame);
        return frame;
    }

    public static byte[] V2016(byte command, string dataHex, byte flag = 0xFE) => Build(Gbt32960Version.V2016, command, dataHex, flag);

    public static byte[] V2025(byte command, string dataHex, byte flag = 0xFE) => Build(Gbt32960Version.V2025, command, dataHex, flag);

    /// <summary>Valid 2016 time 2024-05-14 18:18:19.</summary>
    public const string Time = "18050e121213";

    /// <summary>An RSA signature block with a 4-byte R and empty S.</summary>
    public const string Signature = "ff 02 0004 01020304 0000";
}
