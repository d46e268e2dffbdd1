// Conversions between pybind11 arrays and raw pointers. The Python layer hands over C-contiguous
// arrays of the right dtype (it validates once); these helpers re-check the shape contract so that a
// direct caller of riskcore._core gets a ValueError instead of reading out of bounds.
#pragma once
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <stdexcept>
#include <string>

#include "config.hpp"

namespace riskcore {
namespace py = pybind11;

template <class T>
using CArray = py::array_t<T, py::array::c_style>;

template <class T>
void require_shape(const CArray<T>& a, const char* name, std::initializer_list<index_t> shape) {
  if (a.ndim() != static_cast<py::ssize_t>(shape.size()))
    throw std::invalid_argument(std::string(name) + " has " + std::to_string(a.ndim()) +
                                " dims, expected " + std::to_string(shape.size()));
  index_t axis = 0;
  for (index_t expected : shape) {
    if (expected >= 0 && a.shape(axis) != expected)
      throw std::invalid_argument(std::string(name) + " has length " + std::to_string(a.shape(axis)) +
                                  " on axis " + std::to_string(axis) + ", expected " +
                                  std::to_string(expected));
    ++axis;
  }
}

}  // namespace riskcore
