import Foundation
import NIOSSL
import Profiles

/// Builds the TLS contexts of `mesh:` from PEM files: the listener's (`tls_certificate`,
/// `tls_key`) and the one the mesh client checks `https://` peers with (the system's trust
/// store plus `tls_ca_file`). The files are read here, at start and on every reload, so a
/// renewed certificate is picked up by a reload and a broken one is refused before it is used.
enum TLSSetup {
    /// The listener's context, or nil when the configuration serves plain HTTP.
    static func serverContext(_ configuration: NodeConfig, configFile: String?) throws(TLSSetupError) -> NIOSSLContext? {
        guard let certificatePath = configuration.mesh.tlsCertificate, let keyPath = configuration.mesh.tlsKey else { return nil }
        let chain = try certificates(certificatePath, field: "mesh.tls_certificate", configFile: configFile)
        let keyBytes = try read(keyPath, field: "mesh.tls_key", configFile: configFile)
        let key: NIOSSLPrivateKey
        do { key = try NIOSSLPrivateKey(bytes: keyBytes, format: .pem) } catch {
            throw TLSSetupError(configFile: configFile, field: "mesh.tls_key", path: keyPath,
                                reason: "is not an unencrypted PEM private key")
        }
        var tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        tls.minimumTLSVersion = .tlsv12
        do { return try NIOSSLContext(configuration: tls) } catch {
            // BoringSSL refuses a key that is not the certificate's at this point.
            throw TLSSetupError(configFile: configFile, field: "mesh.tls_key", path: keyPath,
                                reason: "cannot be used with the certificate in \(certificatePath) (\(error)); is it the certificate's key?")
        }
    }

    /// The mesh client's context: full certificate verification (chain and host name) against
    /// the system's trust store plus the certificates of `tls_ca_file`.
    static func clientContext(_ configuration: NodeConfig, configFile: String?) throws(TLSSetupError) -> NIOSSLContext {
        let extra = try configuration.mesh.tlsCAFile.map { path throws(TLSSetupError) in
            try certificates(path, field: "mesh.tls_ca_file", configFile: configFile)
        } ?? []
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        tls.certificateVerification = .fullVerification
        tls.trustRoots = .default
        if !extra.isEmpty { tls.additionalTrustRoots = [.certificates(extra)] }
        if let context = try? NIOSSLContext(configuration: tls) { return context }
        // No system trust store on this machine (no ca-certificates): the private CA alone,
        // or nothing at all, so that every https:// peer is refused rather than trusted.
        tls.trustRoots = .certificates(extra)
        tls.additionalTrustRoots = []
        do { return try NIOSSLContext(configuration: tls) } catch {
            throw TLSSetupError(configFile: configFile, field: "mesh.tls_ca_file", path: configuration.mesh.tlsCAFile ?? "-",
                                reason: "no trust store could be set up: \(error)")
        }
    }

    private static func certificates(_ path: String, field: String, configFile: String?) throws(TLSSetupError) -> [NIOSSLCertificate] {
        let bytes = try read(path, field: field, configFile: configFile)
        let chain = try? NIOSSLCertificate.fromPEMBytes(bytes)
        guard let chain, !chain.isEmpty else {
            throw TLSSetupError(configFile: configFile, field: field, path: path,
                                reason: "holds no PEM certificate (-----BEGIN CERTIFICATE-----)")
        }
        return chain
    }

    private static func read(_ path: String, field: String, configFile: String?) throws(TLSSetupError) -> [UInt8] {
        guard FileManager.default.fileExists(atPath: path) else {
            throw TLSSetupError(configFile: configFile, field: field, path: path, reason: "does not exist")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TLSSetupError(configFile: configFile, field: field, path: path, reason: "cannot be read")
        }
        return Array(data)
    }
}

/// A TLS file of the configuration that cannot be used; reads `config-file: field: path reason`.
public struct TLSSetupError: Error, CustomStringConvertible {
    /// The node configuration naming the file (nil for the built-in demo).
    public var configFile: String?
    /// The setting, e.g. `mesh.tls_key`.
    public var field: String
    /// The file it names.
    public var path: String
    /// What is wrong with it.
    public var reason: String

    public var description: String {
        (configFile.map { "\($0): " } ?? "") + "\(field): \(path) \(reason)"
    }
}
