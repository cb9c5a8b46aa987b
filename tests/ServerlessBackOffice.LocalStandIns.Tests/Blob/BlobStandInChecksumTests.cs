using Azure.Storage;
using ServerlessBackOffice.BlobStandIn.Http;

namespace ServerlessBackOffice.LocalStandIns.Tests.Blob;

/// <summary>The stand-in checks <c>x-ms-content-crc64</c> with the same CRC-64 the SDK computes.</summary>
public sealed class BlobStandInChecksumTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(64)]
    [InlineData(4099)]
    public void Crc64_EqualsTheSdksStorageCrc64(int length)
    {
        var data = Enumerable.Range(0, length).Select(i => (byte)((i * 31) + 7)).ToArray();
        var sdk = StorageCrc64HashAlgorithm.Create();
        sdk.Append(data);

        Assert.Equal(sdk.GetCurrentHash(), Crc64.Compute(data));
    }
}
