namespace ServerlessBackOffice.BlobStandIn.Http;

/// <summary>
/// The CRC-64 Azure Storage uses for <c>x-ms-content-crc64</c> (polynomial 0x9A6C9329AC4BC9B5 reflected, initial value
/// and final XOR all ones: the CRC-64/NVME parameters), written little-endian as the SDK sends it.
/// </summary>
internal static class Crc64
{
    private const ulong Polynomial = 0x9A6C9329AC4BC9B5UL;
    private static readonly ulong[] Table = BuildTable();

    public static byte[] Compute(ReadOnlySpan<byte> data)
    {
        var crc = ulong.MaxValue;
        foreach (var b in data)
        {
            crc = Table[(byte)(crc ^ b)] ^ (crc >> 8);
        }

        return BitConverter.GetBytes(~crc);
    }

    private static ulong[] BuildTable()
    {
        var table = new ulong[256];
        for (var i = 0; i < 256; i++)
        {
            var value = (ulong)i;
            for (var bit = 0; bit < 8; bit++)
            {
                value = (value & 1) != 0 ? (value >> 1) ^ Polynomial : value >> 1;
            }

            table[i] = value;
        }

        return table;
    }
}
