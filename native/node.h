// Hand-written autograd nodes across libtorch versions. Up to some 2.x a Node is held by std::shared_ptr (made with
// torch::autograd::deleteNode, found through shared_from_this()); later ones hold it by c10::intrusive_ptr (made
// with c10::make_intrusive, found through getptr()). The holder is read off Edge::function, so no version number
// has to be guessed.
#pragma once
#include "pch.h"
#include <torch/csrc/autograd/function.h>
#include <type_traits>

namespace tts {

using NodePtr = decltype(torch::autograd::Edge::function);
constexpr bool kSharedNodes = std::is_same_v<NodePtr, std::shared_ptr<torch::autograd::Node>>;

template <class T, bool Shared>
struct NodeMaker;
template <class T>
struct NodeMaker<T, true> {
  // deleteNode frees long chains iteratively. It is found by argument-dependent lookup on T (Node's namespace)
  // when this is instantiated, because newer libtorch, which never instantiates this, no longer declares it.
  static auto Make() {
    return std::shared_ptr<T>(new T(), [](T* n) { deleteNode(n); });
  }
};
template <class T>
struct NodeMaker<T, false> {
  static auto Make() { return c10::make_intrusive<T>(); }
};

// A new node of type T (which derives from torch::autograd::Node) in the holder this libtorch uses.
template <class T>
auto MakeNode() { return NodeMaker<T, kSharedNodes>::Make(); }

// The node's own holder, for SavedVariable::unpack.
template <class N>
auto SelfPtrImpl(N* n, int) -> decltype(n->getptr()) { return n->getptr(); }
template <class N>
auto SelfPtrImpl(N* n, long) -> decltype(n->shared_from_this()) { return n->shared_from_this(); }
template <class N>
auto SelfPtr(N* n) { return SelfPtrImpl(n, 0); }

}  // namespace tts
