using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using NevHub.Protocols.Gbt32960;

namespace NevHub.Server.FunctionalTests;

public sealed class Gbt32960TlsTests
{
    [Fact]
    public async Task With_a_certificate_configured_the_gateway_speaks_tls_and_refuses_plain_tcp()
    {
        var directory = Path.Combine(Path.GetTempPath(), "nevhub-tls-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        var pfx = Path.Combine(directory, "gateway.pfx");
        using (var key = RSA.Create(2048))
        {
            var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
            await File.WriteAllBytesAsync(pfx, certificate.Export(X509ContentType.Pfx, "test-password"));
        }

        await using var server = await TestServer.StartAsync(new()
        {
            ["NevHub:Gateways:Gbt32960:CertificatePath"] = pfx,
            ["NevHub:Gateways:Gbt32960:CertificatePassword"] = "test-password",
        });
        const string vin = "LTLS0000000000001";
        await server.RegisterAsync(vin);

        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", server.GbtPort);
        await using var tls = new SslStream(client.GetStream(), false, (_, _, _, _) => true); // self-signed in the test
        await tls.AuthenticateAsClientAsync("127.0.0.1");
        Assert.True(tls.IsEncrypted);

        var login = Gbt32960Encoder.Encode(Gbt32960Message.Create(Gbt32960Version.V2016, Gbt32960Command.VehicleLogin, vin,
            new VehicleLoginBody { Time = DateTimeOffset.UtcNow.ToOffset(TimeSpan.FromHours(8)), Serial = 1, Iccid = "89860000000000000001" }));
        await tls.WriteAsync(login);
        var answer = new byte[31];
        var read = 0;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        while (read < answer.Length)
        {
            var n = await tls.ReadAsync(answer.AsMemory(read), timeout.Token);
            Assert.NotEqual(0, n);
            read += n;
        }

        var message = new Gbt32960Decoder().DecodeFrame(answer);
        Assert.Equal(Gbt32960Command.VehicleLogin, message.Command);
        Assert.Equal(Gbt32960ResponseFlag.Success, message.ResponseFlag);

        // A plain-TCP terminal on the TLS port gets nothing and is closed.
        await using var plain = await TestTerminal.ConnectAsync(server.GbtPort, vin);
        await plain.LoginAsync();
        Assert.True(await plain.IsClosedByServerAsync(TimeSpan.FromSeconds(15)));

        Directory.Delete(directory, recursive: true);
    }
}
