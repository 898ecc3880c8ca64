import BerthCore

extension PlanBuilder {
    /// `berth0`: a bridge holding the gateway address, up, at the backend MTU.
    mutating func bridge(node: NodeNetworkConfig, mtu: Int) throws(HostNetworkError) {
        let name = LinkNames.bridge
        let gateway = InterfaceAddress(node.gateway, prefix: node.subnet.prefix)
        guard let link = observed.links[name] else {
            fresh.insert(name)
            links += [.createBridge(name: name, mtu: mtu), .addAddress(gateway, device: name), .setLink(name, up: true)]
            return
        }
        guard link.kind == "bridge" else { throw .linkCollision(name: name, kind: link.kind, expected: "bridge") }
        addresses(on: link, want: [gateway])
        if link.mtu != mtu || !link.up { links.append(.setLink(name, mtu: link.mtu != mtu ? mtu : nil, up: true)) }
    }

    /// The backend's device (`berthvx<vni>` for VXLAN); every other `berthvx*` link is removed (a
    /// backend or VNI change). A device whose id, port, local address, underlay device, learning
    /// or MAC differ is made again, since most of these cannot change in place.
    mutating func backendDevice(node: NodeNetworkConfig, underlay: HostNetworkPlanner.Underlay, mtu: Int) throws(HostNetworkError) {
        var keep: String?
        if let device = node.backend.driver.device(node: node, underlayDevice: underlay.device, mtu: mtu) {
            let name = device.name
            keep = name
            let address = node.backend.driver.deviceAddress(node: node)
            if let link = observed.links[name] {
                guard link.kind == "vxlan" else { throw .linkCollision(name: name, kind: link.kind, expected: "VXLAN device") }
                let wanted = VXLANSettings(vni: device.vni, port: device.port, local: device.local, device: device.underlayDevice, learning: false)
                if link.vxlan != wanted || link.mac != device.mac {
                    removeLinks.append(.deleteLink(name))
                    fresh.insert(name)
                }
            } else {
                fresh.insert(name)
            }
            if let link = existing(name) {
                addresses(on: link, want: address.map { [$0] } ?? [])
                if link.mtu != mtu || !link.up { links.append(.setLink(name, mtu: link.mtu != mtu ? mtu : nil, up: true)) }
            } else {
                links.append(.createVXLAN(device))
                if let address { links.append(.addAddress(address, device: name)) }
                links.append(.setLink(name, up: true))
            }
        }
        for link in observed.links.values.sorted(by: { $0.name < $1.name }) where LinkNames.isVXLAN(link.name) && link.name != keep {
            removeLinks.append(.deleteLink(link.name))
            fresh.insert(link.name)
        }
    }

    /// A container's host-side veth: present, on the bridge, up, at the MTU. A missing one is made
    /// again with its container side (if the container's namespace still exists); one whose MTU
    /// was wrong has its container side fixed too. Veths of containers no longer wanted go.
    mutating func containers(_ containers: [ContainerNetwork], node: NodeNetworkConfig, mtu: Int) throws(HostNetworkError) {
        let wanted = Dictionary(containers.map { ($0.hostLinkName, $0) }, uniquingKeysWith: { a, _ in a })
        for name in wanted.keys.sorted() {
            let container = wanted[name]!
            guard let link = observed.links[name] else {
                if let namespaces = observed.namespaces, !namespaces.contains(container.namespace) { continue }
                containerLinks += [.createVeth(hostName: name, mtu: mtu, containerNamespace: container.namespace),
                                   .setLink(name, master: LinkNames.bridge, up: true), .setHairpin(name),
                                   .configureContainer(Self.interface(container, node: node, mtu: mtu))]
                continue
            }
            guard link.kind == "veth" else { throw .linkCollision(name: name, kind: link.kind, expected: "veth") }
            let onBridge = link.master == LinkNames.bridge && !fresh.contains(LinkNames.bridge)
            if !onBridge || link.mtu != mtu || !link.up {
                containerLinks.append(.setLink(name, master: onBridge ? nil : LinkNames.bridge, mtu: link.mtu != mtu ? mtu : nil, up: true))
            }
            if link.mtu != mtu { containerLinks.append(.setContainerMTU(namespace: container.namespace, mtu: mtu)) }
        }
        for link in observed.links.values.sorted(by: { $0.name < $1.name }) where LinkNames.isContainerLink(link.name) && wanted[link.name] == nil {
            guard link.kind == "veth" else { continue }  // a foreign device that happens to match our pattern: not ours
            removeLinks.append(.deleteLink(link.name))
        }
    }

    static func interface(_ c: ContainerNetwork, node: NodeNetworkConfig, mtu: Int) -> ContainerInterface {
        ContainerInterface(namespace: c.namespace, address: InterfaceAddress(c.address, prefix: c.prefix), gateway: node.gateway, mtu: mtu, mac: c.mac)
    }

    /// Exactly `want` on `link`: missing ones added, others (on our own link) removed.
    mutating func addresses(on link: ObservedLink, want: [InterfaceAddress]) {
        for address in link.addresses.sorted() where !want.contains(address) { links.append(.deleteAddress(address, device: link.name)) }
        for address in want where !link.addresses.contains(address) { links.append(.addAddress(address, device: link.name)) }
    }
}
