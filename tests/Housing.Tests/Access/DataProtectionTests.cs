using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Housing.Access;

namespace Housing.Tests.Access;

/// <summary>With a certificate configured, the sign-in keys kept in the database are encrypted, and tokens still work.</summary>
public sealed class DataProtectionTests(DataProtectionTests.App app) : IClassFixture<DataProtectionTests.App>
{
    public sealed class App : TestApp
    {
        public static readonly string CertificatePath = Path.Combine(Path.GetTempPath(), $"housing-dp-{Guid.NewGuid():N}.pfx");
        const string CertificatePassword = "test-certificate-1";

        static App()
        {
            using var rsa = RSA.Create(2048);
            var request = new CertificateRequest("CN=housing-data-protection", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
            File.WriteAllBytes(CertificatePath, certificate.Export(X509ContentType.Pfx, CertificatePassword));
        }

        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
        {
            ["Housing:DataProtection:CertificatePath"] = CertificatePath,
            ["Housing:DataProtection:CertificatePassword"] = CertificatePassword,
        };

        public override async Task DisposeAsync()
        {
            await base.DisposeAsync();
            File.Delete(CertificatePath);
        }
    }

    sealed record Token(string AccessToken);

    [Fact]
    public async Task The_keys_are_stored_encrypted_and_a_token_signed_with_them_is_accepted()
    {
        var caller = await app.CreateUserAsync(Role.ProvincialStaff, provinces: ["54"]);
        var anonymous = app.Anonymous();
        var answer = await anonymous.PostAsJsonAsync("/api/v1/auth/token", new { username = caller.Username, password = TestApp.Password });
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        var token = (await answer.Content.ReadFromJsonAsync<Token>())!.AccessToken;

        var keys = await app.Db.QueryAsync<string>("SELECT xml FROM data_protection_keys");
        Assert.NotEmpty(keys);
        Assert.All(keys, xml =>
        {
            Assert.Contains("EncryptedXmlDecryptor", xml);
            Assert.DoesNotContain("<masterKey", xml);
        });

        async Task<HttpStatusCode> BudgetsWithAsync(string bearer)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/budgets?provinceCode=54");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
            return (await anonymous.SendAsync(request)).StatusCode;
        }
        Assert.Equal(HttpStatusCode.OK, await BudgetsWithAsync(token));
        Assert.Equal(HttpStatusCode.Unauthorized, await BudgetsWithAsync(token[..^8] + "AAAAAAAA"));
    }
}
